// The C interface to Google Benchmark: see gbench.h. The only C++ in q4tune.
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

struct q4t_gb_state {
    benchmark::State &s;
};

static benchmark::internal::Benchmark *B(q4t_gb_bench *b)
{
    return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

extern "C" {

int q4t_gb_init(int *argc, char **argv)
{
    benchmark::Initialize(argc, argv);
    return benchmark::ReportUnrecognizedArguments(*argc, argv) ? -1 : 0;
}

void q4t_gb_add_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(key, value);
}

q4t_gb_bench *q4t_gb_register(const char *name, q4t_gb_fn fn, void *ctx)
{
    auto *b = benchmark::RegisterBenchmark(name, [fn, ctx](benchmark::State &s) {
        q4t_gb_state st{s};
        fn(&st, ctx);
    });
    return reinterpret_cast<q4t_gb_bench *>(b);
}

void q4t_gb_repetitions(q4t_gb_bench *b, int n) { B(b)->Repetitions(n); }
void q4t_gb_min_time(q4t_gb_bench *b, double seconds) { B(b)->MinTime(seconds); }
void q4t_gb_use_real_time(q4t_gb_bench *b) { B(b)->UseRealTime(); }
void q4t_gb_use_manual_time(q4t_gb_bench *b) { B(b)->UseManualTime(); }
void q4t_gb_report_aggregates_only(q4t_gb_bench *b) { B(b)->ReportAggregatesOnly(true); }

static double percentile(const std::vector<double> &v, double q)
{
    std::vector<double> s(v);
    std::sort(s.begin(), s.end());
    return s.empty() ? 0.0 : s[static_cast<size_t>(q * static_cast<double>(s.size() - 1) + 0.5)];
}

void q4t_gb_percentiles(q4t_gb_bench *b)
{
    B(b)->ComputeStatistics("p10", [](const std::vector<double> &v) { return percentile(v, 0.1); })
        ->ComputeStatistics("p90", [](const std::vector<double> &v) { return percentile(v, 0.9); });
}

void q4t_gb_unit(q4t_gb_bench *b, q4t_gb_time_unit unit)
{
    static const benchmark::TimeUnit units[] = {benchmark::kNanosecond, benchmark::kMicrosecond,
                                                benchmark::kMillisecond, benchmark::kSecond};
    B(b)->Unit(units[unit]);
}

int q4t_gb_keep_running(q4t_gb_state *st) { return st->s.KeepRunning(); }
void q4t_gb_pause(q4t_gb_state *st) { st->s.PauseTiming(); }
void q4t_gb_resume(q4t_gb_state *st) { st->s.ResumeTiming(); }
void q4t_gb_set_iteration_time(q4t_gb_state *st, double seconds) { st->s.SetIterationTime(seconds); }
void q4t_gb_set_bytes_processed(q4t_gb_state *st, int64_t bytes) { st->s.SetBytesProcessed(bytes); }
void q4t_gb_set_items_processed(q4t_gb_state *st, int64_t items) { st->s.SetItemsProcessed(items); }
void q4t_gb_skip_with_error(q4t_gb_state *st, const char *message) { st->s.SkipWithError(message); }
void q4t_gb_set_label(q4t_gb_state *st, const char *label) { st->s.SetLabel(label); }
int64_t q4t_gb_iterations(const q4t_gb_state *st) { return st->s.iterations(); }

void q4t_gb_counter(q4t_gb_state *st, const char *name, double value, int flags)
{
    st->s.counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(flags));
}

}  // extern "C"

namespace {

// Forwards everything to the display reporter the flags chose, and hands each
// run to the C callback.
class Forwarder : public benchmark::BenchmarkReporter {
  public:
    Forwarder(benchmark::BenchmarkReporter *display, q4t_gb_run_fn on_run, void *ctx)
        : display_(display), on_run_(on_run), ctx_(ctx) {}

    bool ReportContext(const Context &context) override { return display_->ReportContext(context); }
    void Finalize() override { display_->Finalize(); }

    void ReportRuns(const std::vector<Run> &runs) override
    {
        display_->ReportRuns(runs);
        if (!on_run_)
            return;
        for (const Run &r : runs) {
            std::vector<std::string> names;
            std::vector<const char *> name_ptrs;
            std::vector<double> values;
            for (const auto &c : r.counters) {
                names.push_back(c.first);
                values.push_back(c.second.value);
            }
            for (const auto &n : names)
                name_ptrs.push_back(n.c_str());
            const std::string name = r.benchmark_name();
            const double unit = benchmark::GetTimeUnitMultiplier(r.time_unit);
            q4t_gb_run out{};
            out.name = name.c_str();
            out.aggregate = r.aggregate_name.c_str();
            out.repetition = r.run_type == Run::RT_Aggregate ? -1 : static_cast<int>(r.repetition_index);
            out.error = r.error_occurred;
            out.error_message = r.error_message.c_str();
            out.iterations = r.iterations;
            out.real_time = r.GetAdjustedRealTime() / unit;
            out.cpu_time = r.GetAdjustedCPUTime() / unit;
            out.ncounters = values.size();
            out.counter_names = name_ptrs.data();
            out.counter_values = values.data();
            on_run_(&out, ctx_);
        }
    }

  private:
    benchmark::BenchmarkReporter *display_;
    q4t_gb_run_fn on_run_;
    void *ctx_;
};

}  // namespace

extern "C" size_t q4t_gb_run_all(q4t_gb_run_fn on_run, void *ctx)
{
    std::unique_ptr<benchmark::BenchmarkReporter> display(benchmark::CreateDefaultDisplayReporter());
    Forwarder forwarder(display.get(), on_run, ctx);
    return benchmark::RunSpecifiedBenchmarks(&forwarder);
}

extern "C" void q4t_gb_shutdown(void)
{
    benchmark::ClearRegisteredBenchmarks();
    benchmark::Shutdown();
}
