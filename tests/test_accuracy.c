/* model/accuracy.h against values worked out by hand: KL divergence,
 * top-1 and the negative log-likelihoods of one position, and the summary
 * (mean, standard error, median, 99th percentile, max, perplexities). */
#include <math.h>
#include <stdio.h>

#include "accuracy.h"
#include "check.h"

#define NEAR(a, b) (fabs((a) - (b)) <= 1e-12 * (1 + fabs(b)))

static void one_position(void)
{
    double scratch[2 * 3];
    /* the same logits, shifted: the same distribution, KL 0 */
    const float a[3] = {1.0f, 2.0f, 3.0f}, b[3] = {11.0f, 12.0f, 13.0f};
    q4t_acc_position p = {.token = 5, .next = 0};
    q4t_acc_compare(a, b, 3, scratch, &p);
    CHECK(p.kl < 1e-12, "shifted logits: KL %g, expected 0", p.kl);
    CHECK(p.top_ref == 2 && p.top_model == 2, "top %d %d, expected 2 2", p.top_ref, p.top_model);
    const double z = exp(1.0) + exp(2.0) + exp(3.0);
    CHECK(NEAR(p.nll_ref, log(z) - 1.0), "-ln P(0) %.15f, expected %.15f", p.nll_ref, log(z) - 1.0);
    /* two tokens: P = (1/2, 1/2), Q = (e/(1+e), 1/(1+e)) */
    const float r[2] = {0.0f, 0.0f}, q[2] = {1.0f, 0.0f};
    q4t_acc_position t = {.token = 1, .next = 1};
    q4t_acc_compare(r, q, 2, scratch, &t);
    const double q0 = exp(1.0) / (1 + exp(1.0)), q1 = 1 / (1 + exp(1.0));
    const double kl = 0.5 * log(0.5 / q0) + 0.5 * log(0.5 / q1);
    CHECK(NEAR(t.kl, kl), "KL %.15f, expected %.15f", t.kl, kl);
    CHECK(t.top_ref == 0 && t.top_model == 0, "ties go to the lowest id: top %d %d", t.top_ref, t.top_model);
    CHECK(NEAR(t.nll_ref, log(2.0)) && NEAR(t.nll_model, -log(q1)), "-ln P(1): %.15f %.15f", t.nll_ref, t.nll_model);
    /* the last position has no next token */
    q4t_acc_position last = {.token = 1, .next = -1};
    q4t_acc_compare(q, r, 2, scratch, &last);
    CHECK(last.nll_ref == 0 && last.nll_model == 0 && last.top_ref == 0 && last.top_model == 0,
          "last position: nll %g %g", last.nll_ref, last.nll_model);
}

static void summary(void)
{
    const q4t_acc_position p[4] = {
        {.next = 1, .kl = 0.4, .top_ref = 1, .top_model = 1, .nll_ref = 1.0, .nll_model = 2.0},
        {.next = 2, .kl = 0.1, .top_ref = 3, .top_model = 4, .nll_ref = 2.0, .nll_model = 2.0},
        {.next = 3, .kl = 0.3, .top_ref = 2, .top_model = 2, .nll_ref = 3.0, .nll_model = 5.0},
        {.next = -1, .kl = 0.2, .top_ref = 0, .top_model = 0},
    };
    q4t_acc_summary s;
    CHECK(q4t_acc_summarize(p, 4, &s) == 0, "summarize");
    CHECK(s.n == 4 && s.scored == 3, "n %d scored %d", s.n, s.scored);
    CHECK(NEAR(s.kl_mean, 0.25), "KL mean %.15f", s.kl_mean);
    const double sd = sqrt((0.15 * 0.15 + 0.15 * 0.15 + 0.05 * 0.05 + 0.05 * 0.05) / 3);
    CHECK(NEAR(s.kl_stderr, sd / 2), "KL stderr %.15f, expected %.15f", s.kl_stderr, sd / 2);
    CHECK(NEAR(s.kl_median, 0.25) && NEAR(s.kl_p99, 0.4) && NEAR(s.kl_max, 0.4), "median %g p99 %g max %g",
          s.kl_median, s.kl_p99, s.kl_max);
    CHECK(NEAR(s.top1, 0.75), "top-1 %g", s.top1);
    CHECK(NEAR(s.ppl_ref, exp(2.0)) && NEAR(s.ppl_model, exp(3.0)), "PPL %.12f %.12f", s.ppl_ref, s.ppl_model);
}

int main(void)
{
    one_position();
    summary();
    return check_done("accuracy");
}
