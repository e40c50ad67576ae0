package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConnectionFlagsTest {

    @TempDir
    Path home;

    private static ConnectionFlags parse(String... args) {
        TrainCommand command = new TrainCommand();
        new CommandLine(command).parseArgs(args);
        return command.connection;
    }

    @Test
    void withoutFlagsOrEnvironmentTheCliUsesWhatUpLeft() throws IOException {
        assertEquals(GrpcAccess.PLAINTEXT, parse().access(home, Map.of()), "nothing anywhere: plaintext, no token");

        Files.createDirectories(ConnectionFlags.upCertificate(home).getParent());
        Files.writeString(ConnectionFlags.upToken(home), "up-token-0123456789\n");
        Files.writeString(ConnectionFlags.upCertificate(home), "PEM");
        GrpcAccess up = parse().access(home, Map.of());
        assertEquals("up-token-0123456789", up.token(), ".twinview/up/token");
        assertEquals(ConnectionFlags.upCertificate(home), up.tlsCa(), "up's certificate is the CA");
        assertFalse(parse("--plaintext").access(home, Map.of()).tls(), "--plaintext ignores up's certificate");
    }

    @Test
    void flagsWinOverEnvironmentWhichWinsOverUpsFiles() throws IOException {
        Files.createDirectories(ConnectionFlags.upCertificate(home).getParent());
        Files.writeString(ConnectionFlags.upToken(home), "up-token-0123456789\n");
        Path tokenFile = Files.writeString(home.resolve("my-token"), "\n  file-token-0123456789  \n");
        Map<String, String> env = Map.of("TWINVIEW_TOKEN", "env-token-0123456789", "TWINVIEW_TLS_CA", "/env/ca.crt");

        assertEquals("env-token-0123456789", parse().access(home, env).token(), "TWINVIEW_TOKEN over up's file");
        assertEquals(Path.of("/env/ca.crt"), parse().access(home, env).tlsCa(), "TWINVIEW_TLS_CA");
        assertEquals(
                "flag-token-0123456789",
                parse("--token", "flag-token-0123456789").access(home, env).token());
        assertEquals(
                "file-token-0123456789",
                parse("--token-file", tokenFile.toString())
                        .access(home, Map.of())
                        .token(),
                "first non-blank line of --token-file, trimmed");
        assertEquals(
                "file-token-0123456789",
                parse().access(home, Map.of("TWINVIEW_TOKEN_FILE", tokenFile.toString()))
                        .token(),
                "TWINVIEW_TOKEN_FILE");
        GrpcAccess mutual = parse("--tls-ca", "/ca.crt", "--tls-cert", "/c.crt", "--tls-key", "/c.key")
                .access(home, env);
        assertTrue(mutual.tls() && mutual.clientCertificate().equals(Path.of("/c.crt")), mutual.toString());
        assertFalse(mutual.toString().contains("env-token"), "toString hides the token: " + mutual);
        assertNull(parse().access(home, Map.of("TWINVIEW_TOKEN", " ")).token(), "a blank TWINVIEW_TOKEN is no token");
    }
}
