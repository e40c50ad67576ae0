package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.twinview.core.kafka.KafkaAcls;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.ListReportsRequest;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.KafkaSecurity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline over the broker's secure mode, as on a Strimzi cluster: SASL_SSL with SCRAM-SHA-512,
 * StandardAuthorizer, every service its own user with only the ACLs of {@link KafkaAcls}.
 */
class PipelineSecureKafkaTest {

    private static Path work;
    private static KafkaSecurity security;
    private static Pipeline pipeline;
    private static ManagedChannel trainerChannel;
    private static ManagedChannel evalChannel;

    @BeforeAll
    static void startPipeline() throws Exception {
        work = Files.createTempDirectory("twinview-e2e-secure");
        security = Pipeline.secureKafka(work.resolve("kafka-tls"));
        pipeline = Pipeline.start(
                new Pipeline.Options(TwinviewCli.home(), work, Pipeline.PortPlan.free(), 0, 1, 1, false),
                new Console(false),
                security);
        trainerChannel = Grpc.channel(pipeline.trainerAddress(), pipeline.access());
        evalChannel = Grpc.channel(pipeline.evalAddress(), pipeline.access());
    }

    @AfterAll
    static void stopPipeline() {
        if (trainerChannel != null) {
            Grpc.close(trainerChannel);
            Grpc.close(evalChannel);
        }
        if (pipeline != null) {
            pipeline.close();
        }
        Files2.deleteQuietly(work);
    }

    @Test
    void aRunTrainsFromTheWorkersViewsAndEvalEvaluatesItsCheckpointEventsEachServiceAsItsOwnUser() throws Exception {
        RunSpec spec = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=256&seed=3")
                .setEpochs(2)
                .setBatchSize(64)
                .setCheckpointEverySteps(4)
                .build();
        Training training = new Training(new Console(false));
        // trainer: writes tasks, creates and reads the views topic, writes checkpoint events;
        // workers: read tasks in their group, write views
        Run run = training.start(trainerChannel, spec, "secure-e2e");
        Training.Result result = training.follow(trainerChannel, run);
        assertTrue(result.succeeded(), "the run finishes over SASL_SSL with ACLs: " + result.last());
        assertEquals(8, result.last().getStep(), "2 epochs x 256 images / 64 = 8 steps");

        // eval: reads the checkpoint events in its group and evaluates them on its own
        List<EvalReport> reports = List.of();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (reports.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            reports = EvalServiceGrpc.newBlockingStub(evalChannel)
                    .withDeadlineAfter(1, TimeUnit.MINUTES)
                    .listReports(ListReportsRequest.newBuilder()
                            .setRunId("secure-e2e")
                            .build())
                    .getReportsList();
        }
        assertFalse(reports.isEmpty(), "eval-service evaluated a checkpoint event it read as twinview-eval");

        for (String user : List.of(KafkaAcls.TRAINER_USER, KafkaAcls.EVAL_USER, KafkaAcls.AUGMENT_USER)) {
            String password = password(user);
            try (Stream<Path> logs = Files.list(pipeline.logs())) {
                for (Path log : logs.toList()) {
                    assertFalse(
                            Files.readString(log, StandardCharsets.UTF_8).contains(password),
                            "the password of " + user + " is not in " + log);
                }
            }
            assertTrue(
                    ProcessHandle.current()
                            .descendants()
                            .noneMatch(child ->
                                    child.info().commandLine().orElse("").contains(password)),
                    "no process has the password of " + user + " on its command line");
        }
    }

    @Test
    void aWorkersAttemptToWriteTheCheckpointsTopicIsRefusedByTheBroker() {
        Map<String, String> worker = new HashMap<>(security.scramClient(KafkaAcls.AUGMENT_USER));
        worker.put("max.block.ms", "20000");
        KafkaClients clients = new KafkaClients(pipeline.kafkaBootstrapServers(), worker);
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("forged-checkpoint-event")) {
            ExecutionException refused = assertThrows(
                    ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(
                                    Topics.DEFAULT_CHECKPOINTS_TOPIC, "forged".getBytes(StandardCharsets.UTF_8)))
                            .get(30, TimeUnit.SECONDS));
            assertInstanceOf(
                    TopicAuthorizationException.class, refused.getCause(), "no ACL lets a worker write checkpoints");
            assertEquals(
                    "Kafka refused Kafka user 'twinview-augment' (SCRAM-SHA-512 over SASL_SSL) access to topic(s)"
                            + " [twinview.checkpoints]: no ACL of this user allows the operation (docs/security.md"
                            + " lists each service's ACLs)",
                    clients.explain(refused),
                    "the message names the user and the topic");
        }
    }

    private static String password(String user) throws IOException {
        String jaas = security.scramClient(user).get("sasl.jaas.config");
        return jaas.substring(jaas.indexOf("password=\"") + "password=\"".length(), jaas.lastIndexOf('"'));
    }
}
