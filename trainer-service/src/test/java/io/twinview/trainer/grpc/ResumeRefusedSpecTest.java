package io.twinview.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.twinview.core.grpc.GrpcTestSecurity;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.GetRunRequest;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.TrainerServiceGrpc;
import io.twinview.stack.LocalStack;
import io.twinview.trainer.storage.RunRecords;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a run left RUNNING whose stored spec the trainer now refuses (here a dataset outside the
 * roots) is marked FAILED with the reason at {@code resume-unfinished}, instead of being tried again at
 * every start; the service starts and answers.
 */
@QuarkusTest
@TestProfile(ResumeRefusedSpecTest.Resuming.class)
class ResumeRefusedSpecTest {

    static final String BUCKET = "trainer-resume-test";
    static final String RUN = "refused-at-resume";

    /** Resumes unfinished runs, from a bucket of its own that holds one refused run. */
    public static final class Resuming implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("twinview.storage.bucket", BUCKET, "twinview.trainer.resume-unfinished", "true");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SeededRun.class));
        }
    }

    /** The shared stack, with a RUNNING run of a dataset outside the test roots saved before the service starts. */
    public static final class SeededRun implements QuarkusTestResourceLifecycleManager {

        @Override
        public Map<String, String> start() {
            LocalStack stack = LocalStack.shared();
            StorageSettings settings = new StorageSettings(
                    stack.s3Endpoint(),
                    stack.s3AccessKey(),
                    stack.s3SecretKey(),
                    BUCKET,
                    StorageSettings.DEFAULT_REGION);
            try (ObjectStore store = new ObjectStore(settings)) {
                store.ensureBucket();
                new RunRecords(store)
                        .save(Run.newBuilder()
                                .setRunId(RUN)
                                .setSpec(
                                        RunSpec.newBuilder().setMethod("simclr").setDatasetUri("imagefolder:/etc"))
                                .setState(RunState.RUN_STATE_RUNNING)
                                .setProgress(
                                        RunProgress.newBuilder().setRunId(RUN).setState(RunState.RUN_STATE_RUNNING))
                                .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                                .build());
            }
            return stack.config();
        }

        @Override
        public void stop() {
            // the shared stack outlives the test application
        }
    }

    @Test
    void aRunWhoseSpecIsNowRefusedIsMarkedFailedNotRetried() throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", 19191)
                .usePlaintext()
                .build();
        try {
            Run run = TrainerServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(GrpcTestSecurity.TEST_OPERATOR)
                    .withDeadlineAfter(1, TimeUnit.MINUTES)
                    .getRun(GetRunRequest.newBuilder().setRunId(RUN).build());
            assertEquals(RunState.RUN_STATE_FAILED, run.getState(), "the refused run is FAILED: " + run);
            assertTrue(
                    run.getError().startsWith("cannot resume: dataset_uri = 'imagefolder:/etc' is not valid")
                            && run.getError().contains("twinview.datasets.roots"),
                    "the error says why: " + run.getError());
            assertEquals(RunState.RUN_STATE_FAILED, run.getProgress().getState(), "its progress agrees");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
