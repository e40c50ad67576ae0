package io.twinview.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.proto.v1.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The short chaos run of CI (issue 13, acceptance 7): the embedded stack, the three services as child processes and
 * three workers, one run of 64 steps while a worker, the trainer and eval-service are SIGKILLed, the broker is down
 * for 25 s and S3 for 20 s across a checkpoint; then the undisturbed reference run with one worker. Minutes, not
 * seconds: the one slow test of this module.
 */
class ChaosRunTest {

    @Test
    void underTheShortScheduleNothingIsLostNothingTrainedTwiceAndTheWeightsAreBitForBitTheReferences()
            throws Exception {
        Path work = Files.createTempDirectory("twinview-chaos-test");
        ChaosBench bench = new ChaosBench();
        bench.seed = 1; // the schedule checked on the merged branches: worker, eval, trainer, S3, broker
        ChaosRun.Result result = new ChaosRun(bench.settings(ChaosSchedule.Length.SHORT, work)).run();
        System.out.println(ChaosBench.table(result));
        String json = ChaosBench.json(result);
        System.out.println(json);

        assertEquals(5, result.faultsInjected(), "every fault of the schedule struck while the run trained");
        assertEquals(
                RunState.RUN_STATE_SUCCEEDED,
                result.disturbed().getState(),
                "the disturbed run finished: " + ChaosRun.describe(result.disturbed()));
        assertTrue(
                result.samples().accounted(),
                "the final checkpoint holds the trainer's account: "
                        + result.samples().problem());
        assertEquals(0, result.samples().missing(), "no sample of any epoch was lost");
        assertEquals(0, result.samples().duplicated(), "no sample of any epoch was trained twice");
        assertTrue(result.weightsIdentical(), "bit-identical to the undisturbed run: " + result.weightsNote());
        assertTrue(result.finalCheckpointEvaluated(), "eval-service reported on the final checkpoint");
        assertTrue(
                result.manifests().verified(),
                "every manifest verifies: " + result.manifests().failures());
        assertTrue(result.passed(), "so the run passes");
        for (String field : new String[] {
            "\"faults_injected\":5",
            "\"samples_missing\":0",
            "\"samples_duplicated\":0",
            "\"weights_identical\":true",
            "\"final_checkpoint_evaluated\":true"
        }) {
            assertTrue(json.contains(field), "the JSON line holds " + field + ": " + json);
        }
    }
}
