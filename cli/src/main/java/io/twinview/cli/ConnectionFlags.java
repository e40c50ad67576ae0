package io.twinview.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How train and eval authenticate to the services: a flag, else its environment variable, else
 * what {@code ./twinview up} left under {@code .twinview/up} (its token and its certificate).
 */
final class ConnectionFlags {

    @Option(
            names = "--tls-ca",
            paramLabel = "FILE",
            description = "PEM CA the server certificate must chain to; TLS on (env TWINVIEW_TLS_CA;"
                    + " default: ./twinview up's certificate when it is running)")
    Path tlsCa;

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            description = "bearer token (visible in ps: prefer --token-file or env TWINVIEW_TOKEN)")
    String token;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "file holding the bearer token (env TWINVIEW_TOKEN_FILE; default: .twinview/up/token)")
    Path tokenFile;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "PEM client certificate for mutual TLS, with --tls-key (env TWINVIEW_TLS_CERT)")
    Path tlsCert;

    @Option(
            names = "--tls-key",
            paramLabel = "FILE",
            description = "PEM PKCS#8 key of --tls-cert (env TWINVIEW_TLS_KEY)")
    Path tlsKey;

    @Option(names = "--plaintext", description = "no TLS, even where ./twinview up's certificate is found")
    boolean plaintext;

    /** The bearer token ./twinview up writes for the CLI. */
    static Path upToken(Path home) {
        return home.resolve(".twinview/up/token");
    }

    /** The certificate ./twinview up serves gRPC with (self-signed: the CLI trusts exactly it). */
    static Path upCertificate(Path home) {
        return home.resolve(".twinview/up/grpc/server.crt");
    }

    GrpcAccess access(Path home) {
        return access(home, System.getenv());
    }

    GrpcAccess access(Path home, Map<String, String> env) {
        String bearer = token != null ? token : env.get("TWINVIEW_TOKEN");
        if (bearer == null) {
            Path file = tokenFile != null ? tokenFile : path(env.get("TWINVIEW_TOKEN_FILE"));
            if (file == null && Files.isRegularFile(upToken(home))) {
                file = upToken(home);
            }
            bearer = file == null ? null : readToken(file);
        }
        Path ca = tlsCa != null ? tlsCa : path(env.get("TWINVIEW_TLS_CA"));
        if (ca == null && !plaintext && Files.isRegularFile(upCertificate(home))) {
            ca = upCertificate(home);
        }
        Path cert = tlsCert != null ? tlsCert : path(env.get("TWINVIEW_TLS_CERT"));
        Path key = tlsKey != null ? tlsKey : path(env.get("TWINVIEW_TLS_KEY"));
        return new GrpcAccess(ca, cert, key, bearer == null || bearer.isBlank() ? null : bearer.strip());
    }

    private static Path path(String value) {
        return value == null || value.isBlank() ? null : Path.of(value);
    }

    /** The first line of a token file, trimmed. */
    static String readToken(Path file) {
        try {
            return Files.readAllLines(file).stream()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty())
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("token file " + file + " is empty"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token file " + file, e);
        }
    }
}
