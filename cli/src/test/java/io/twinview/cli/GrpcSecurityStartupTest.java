package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.stack.JavaProcess;
import io.twinview.stack.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Secure by default, shown on the real services: trainer-service and eval-service bound to every
 * interface ({@code 0.0.0.0}) without TLS and tokens refuse to start, and their log names the
 * settings that are missing and the one that would override the refusal.
 */
class GrpcSecurityStartupTest {

    @TempDir
    Path logs;

    @ParameterizedTest
    @ValueSource(strings = {"trainer-service", "eval-service"})
    void aServiceOnANonLoopbackAddressWithoutTlsAndTokensRefusesToStart(String service) {
        ServiceJars jars = ServiceJars.in(TwinviewCli.home());
        Path jar = service.equals("trainer-service") ? jars.trainer() : jars.eval();
        try (JavaProcess process = JavaProcess.builder(service)
                .jar(jar)
                .jvmArgs("-Xmx512m")
                .systemProperty("quarkus.grpc.server.host", "0.0.0.0")
                .systemProperty("quarkus.grpc.server.port", String.valueOf(Ports.free()))
                .systemProperty("quarkus.http.port", String.valueOf(Ports.free()))
                .systemProperty("ai.djl.offline", "true")
                .logFile(logs.resolve(service + ".log"))
                .workingDir(jar.getParent())
                .start()) {
            OptionalInt exit = process.waitFor(Duration.ofMinutes(3));
            String log = process.logTail(200);
            assertTrue(exit.isPresent(), service + " stops by itself instead of serving: " + log);
            assertNotEquals(0, exit.getAsInt(), service + " exits with an error: " + log);
            for (String setting : new String[] {
                "quarkus.grpc.server.host=0.0.0.0",
                "quarkus.grpc.server.ssl.certificate",
                "twinview.grpc.token-file",
                "twinview.grpc.insecure=true"
            }) {
                assertTrue(log.contains(setting), service + "'s log names " + setting + ": " + log);
            }
        }
    }
}
