package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TauScheduleTest {

    @Test
    void cosineRisesFromTauBaseToOne() {
        // tau_k = 1 - (1 - tau_base) (cos(pi k / K) + 1) / 2 with tau_base = 0.99, K = 100
        TauSchedule tau = TauSchedule.cosine(0.99);
        assertEquals(0.99, tau.at(0, 100), 1e-15, "k = 0: cos 0 = 1, tau = tau_base");
        assertEquals(0.995, tau.at(50, 100), 1e-15, "k = K/2: cos(pi/2) = 0, tau = 1 - 0.01/2");
        assertEquals(1.0, tau.at(100, 100), 1e-15, "k = K: cos(pi) = -1, tau = 1");
        assertEquals(
                1 - 0.004 * 0.75,
                TauSchedule.cosine(0.996).at(100, 300),
                1e-15,
                "k = K/3: cos(pi/3) = 1/2, the paper's tau_base");
    }

    @Test
    void constantIsMocosMomentumAtEveryStep() {
        TauSchedule m = TauSchedule.constant(0.999);
        assertEquals(0.999, m.at(0, 100), 0, "MoCo's m from the first step");
        assertEquals(0.999, m.at(99, 100), 0, "to the last");
    }
}
