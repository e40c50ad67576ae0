package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.twinview.proto.v1.RunSpec;

/**
 * Coverage-guided fuzzing (Jazzer) of RunSpec resolution: any RunSpec a client can send resolves
 * to a run with at least one step (and a spec that resolves to itself), or is refused with an {@link InvalidRunSpecException} naming
 * the field; any other exception is a finding. Dataset URIs other than {@code synthetic:} are
 * replaced by a small synthetic one, so that the fuzzer reads no files (URIs are
 * {@code DatasetUriFuzzTest}'s). Seeds (serialised RunSpecs) in
 * {@code src/test/resources/io/twinview/trainer/run/RunSpecsFuzzTestInputs/resolve/}.
 */
class RunSpecsFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void resolve(byte[] data) {
        RunSpec requested;
        try {
            requested = RunSpec.parseFrom(data);
        } catch (InvalidProtocolBufferException notASpec) {
            return; // gRPC refuses it before the service sees it
        }
        RunSpec.Builder spec = requested.toBuilder();
        if (!spec.getDatasetUri().startsWith("synthetic:")) {
            spec.setDatasetUri("synthetic:?n=64&size=8");
        }
        if (!spec.getEvalTrainUri().startsWith("synthetic:")) {
            spec.clearEvalTrainUri();
        }
        if (!spec.getEvalTestUri().startsWith("synthetic:")) {
            spec.clearEvalTestUri();
        }
        ResolvedRun run;
        try {
            run = RunSpecs.resolve(spec.build());
        } catch (InvalidRunSpecException refused) {
            assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank(), "a refusal names the field");
            return;
        }
        assertTrue(run.totalSteps() >= 1, "a resolved run trains at least one step: " + run);
        assertTrue(run.totalTasks() >= 1, "and has tasks: " + run);
        ResolvedRun again = RunSpecs.resolve(run.spec());
        assertEquals(run.spec(), again.spec(), "a resolved spec resolves to itself");
        assertEquals(run.totalSteps(), again.totalSteps(), "and to the same steps");
    }
}
