package io.twinview.core.grpc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.grpc.GrpcServerSecurity.Transport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpcServerSecurityTest {

    @TempDir
    Path dir;

    private Callers tokens() throws IOException {
        return Callers.load(
                Optional.of(Files.writeString(dir.resolve("tokens"), "operator 0123456789abcdef0123\n")),
                Optional.empty());
    }

    @Test
    void aServerOnEveryInterfaceRefusesToStartWithoutTlsAndAuthenticationNamingTheSettings() throws IOException {
        Transport open = new Transport("0.0.0.0", false, false, "NONE");
        IllegalStateException neither =
                assertThrows(IllegalStateException.class, () -> GrpcServerSecurity.check(open, Callers.none(), false));
        assertTrue(
                neither.getMessage().contains("quarkus.grpc.server.host=0.0.0.0")
                        && neither.getMessage().contains("quarkus.grpc.server.ssl.certificate")
                        && neither.getMessage().contains("twinview.grpc.token-file")
                        && neither.getMessage().contains("twinview.grpc.insecure=true"),
                neither.getMessage());

        Callers callers = tokens();
        IllegalStateException tokensInClear =
                assertThrows(IllegalStateException.class, () -> GrpcServerSecurity.check(open, callers, false));
        assertTrue(
                tokensInClear.getMessage().contains("without TLS")
                        && !tokensInClear.getMessage().contains("token-file"),
                "tokens without TLS would travel in clear: " + tokensInClear.getMessage());

        Transport tls = new Transport("10.1.2.3", true, false, "NONE");
        IllegalStateException noAuth =
                assertThrows(IllegalStateException.class, () -> GrpcServerSecurity.check(tls, Callers.none(), false));
        assertTrue(noAuth.getMessage().contains("without authentication"), noAuth.getMessage());

        assertDoesNotThrow(() -> GrpcServerSecurity.check(tls, callers, false), "TLS and tokens: starts");
        assertDoesNotThrow(
                () -> GrpcServerSecurity.check(open, Callers.none(), true), "insecure=true: starts, with a WARN");
    }

    @Test
    void loopbackStartsWithoutEither() {
        assertDoesNotThrow(() ->
                GrpcServerSecurity.check(new Transport("127.0.0.1", false, false, "NONE"), Callers.none(), false));
        assertDoesNotThrow(() ->
                GrpcServerSecurity.check(new Transport("localhost", false, false, "NONE"), Callers.none(), false));
        assertDoesNotThrow(
                () -> GrpcServerSecurity.check(new Transport("::1", false, false, "NONE"), Callers.none(), false));
    }

    @Test
    void clientSubjectsNeedAClientCa() throws IOException {
        Callers subjects = Callers.load(
                Optional.empty(), Optional.of(Files.writeString(dir.resolve("subjects"), "reader CN=a\n")));
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> GrpcServerSecurity.check(new Transport("127.0.0.1", true, false, "NONE"), subjects, false));
        assertTrue(e.getMessage().contains("quarkus.grpc.server.ssl.trust-store"), e.getMessage());
        assertDoesNotThrow(
                () -> GrpcServerSecurity.check(new Transport("0.0.0.0", true, true, "REQUIRED"), subjects, false));
    }
}
