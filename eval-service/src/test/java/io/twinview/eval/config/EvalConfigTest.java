package io.twinview.eval.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EvalConfigTest {

    @Test
    void defaultsAreValid() {
        assertDoesNotThrow(() -> config(200, 0).validate(), "k 200 and PyTorch's default threads are accepted");
    }

    @Test
    void badValuesNameTheSettingAndWhatIsAllowed() {
        IllegalArgumentException k =
                assertThrows(IllegalArgumentException.class, () -> config(0, 0).validate());
        assertEquals(
                "twinview.eval.knn-k must be at least 1, was 0", k.getMessage(), "names the setting and the value");
        IllegalArgumentException threads = assertThrows(
                IllegalArgumentException.class, () -> config(200, -2).validate());
        assertEquals(
                "twinview.eval.threads must be 0 (PyTorch's default) or more, was -2",
                threads.getMessage(),
                "names the setting, what is allowed and the value");
    }

    private static EvalConfig config(int k, int threads) {
        return new EvalConfig() {
            @Override
            public String checkpointsTopic() {
                return "twinview.checkpoints";
            }

            @Override
            public String groupId() {
                return "twinview-eval";
            }

            @Override
            public int knnK() {
                return k;
            }

            @Override
            public int threads() {
                return threads;
            }

            @Override
            public boolean auto() {
                return true;
            }
        };
    }
}
