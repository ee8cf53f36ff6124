/* The C interface to Google Benchmark: options, counters and context reach the
 * JSON reporter, and every run and aggregate (with p10/p90) comes back in C. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "gbench.h"

static int calls;

static void spin(q4t_gb_state *st, void *ctx)
{
    volatile unsigned x = 0;
    calls++;
    while (q4t_gb_keep_running(st))
        for (unsigned i = 0; i < 1000; i++)
            x += i;
    q4t_gb_counter(st, "answer", *(double *)ctx, Q4T_GB_VALUE);
    q4t_gb_counter(st, "per_iter_rate", 1.0, Q4T_GB_RATE_PER_ITERATION);
}

typedef struct {
    int iterations, aggregates, p10, p90, answers_ok, rates_ok;
} seen;

static void on_run(const q4t_gb_run *r, void *ctx)
{
    seen *s = ctx;
    if (r->aggregate[0] == '\0') {
        s->iterations++;
        CHECK(r->iterations > 0 && r->real_time > 0.0 && !r->error, "a run has iterations and a time");
    } else {
        s->aggregates++;
        s->p10 += !strcmp(r->aggregate, "p10");
        s->p90 += !strcmp(r->aggregate, "p90");
    }
    for (size_t i = 0; i < r->ncounters; i++) {
        if (!strcmp(r->counter_names[i], "answer") && r->aggregate[0] != 's' && strcmp(r->aggregate, "cv"))
            s->answers_ok += r->counter_values[i] == 42.0;
        if (!strcmp(r->counter_names[i], "per_iter_rate") && r->aggregate[0] == '\0') /* iterations / seconds */
            s->rates_ok += r->counter_values[i] > 0.5 * (double)r->iterations / (r->real_time * r->iterations) &&
                           r->counter_values[i] < 2.0 / r->real_time;
    }
}

int main(void)
{
    const char *out = "test_gbench_out.json";
    char *argv[] = {"test_gbench", "--benchmark_format=console", "--benchmark_out=test_gbench_out.json",
                    "--benchmark_out_format=json", NULL};
    int argc = 4;
    CHECK(q4t_gb_init(&argc, argv) == 0 && argc == 1, "flags parsed and removed (argc %d)", argc);
    q4t_gb_add_context("q4tune_test_key", "a value");
    double answer = 42.0;
    q4t_gb_bench *b = q4t_gb_register("spin/42", spin, &answer);
    q4t_gb_repetitions(b, 3);
    q4t_gb_min_time(b, 0.001);
    q4t_gb_use_real_time(b);
    q4t_gb_unit(b, Q4T_GB_US);
    q4t_gb_percentiles(b);
    seen s = {0};
    CHECK(q4t_gb_run_all(on_run, &s) == 1, "one benchmark ran");
    CHECK(calls >= 3, "the C function was called for each repetition (%d)", calls);
    CHECK(s.iterations == 3, "3 repetitions came back (%d)", s.iterations);
    CHECK(s.p10 == 1 && s.p90 == 1 && s.aggregates == 6, "aggregates mean, median, stddev, cv, p10, p90 (%d)",
          s.aggregates);
    CHECK(s.answers_ok == 3 + 4, "the counter's value came back unchanged in runs, mean, median, p10, p90 (%d)",
          s.answers_ok);
    CHECK(s.rates_ok == 3, "a rate counter is divided by the time (%d)", s.rates_ok);
    q4t_gb_shutdown();

    FILE *f = fopen(out, "r");
    char *text = calloc(1, 1 << 20);
    const size_t n = f && text ? fread(text, 1, (1 << 20) - 1, f) : 0;
    if (f)
        fclose(f);
    cJSON *root = cJSON_Parse(text);
    CHECK(n > 0 && root, "--benchmark_out wrote valid JSON");
    const cJSON *ctx = cJSON_GetObjectItem(root, "context");
    const cJSON *key = cJSON_GetObjectItem(ctx, "q4tune_test_key");
    CHECK(cJSON_IsString(key) && !strcmp(key->valuestring, "a value"), "the custom context key is in the JSON");
    const cJSON *benches = cJSON_GetObjectItem(root, "benchmarks");
    CHECK(cJSON_GetArraySize(benches) == 9, "3 runs and 6 aggregates in the JSON (%d)", cJSON_GetArraySize(benches));
    const cJSON *first = cJSON_GetArrayItem(benches, 0);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(first, "answer")) == 42.0, "the counter is in the JSON");
    cJSON_Delete(root);
    free(text);
    remove(out);
    return check_done("test_gbench");
}
