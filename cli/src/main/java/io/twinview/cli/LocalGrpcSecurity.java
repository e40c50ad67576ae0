package io.twinview.cli;

import io.twinview.stack.Ports;
import io.twinview.stack.SelfSignedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gRPC credentials of a pipeline on this machine: a fresh operator token (256 bits from
 * SecureRandom) in {@code WORK/token} for the CLI and in {@code WORK/grpc/tokens} for the services,
 * and a self-signed certificate for 127.0.0.1 and localhost in {@code WORK/grpc/server.crt|key}.
 * The services get the FILE NAMES as settings (never the token: a command line is readable by every
 * user in {@code /proc/PID/cmdline}); the files are readable by their owner only.
 */
final class LocalGrpcSecurity {

    private final Path token;
    private final Path grpcDir;
    private final String value;
    private final SelfSignedCertificate certificate;

    private LocalGrpcSecurity(Path token, Path grpcDir, String value, SelfSignedCertificate certificate) {
        this.token = token;
        this.grpcDir = grpcDir;
        this.value = value;
        this.certificate = certificate;
    }

    static LocalGrpcSecurity create(Path workDir) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String value = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path grpcDir = workDir.resolve("grpc");
        try {
            Files.createDirectories(grpcDir);
            Path token = ownerOnly(workDir.resolve("token"), value + "\n");
            ownerOnly(
                    grpcDir.resolve("tokens"),
                    "# written by ./twinview for this pipeline only\noperator " + value + "\n");
            SelfSignedCertificate certificate = SelfSignedCertificate.create(
                    grpcDir, "server", "CN=localhost,O=twinview", List.of("ip:" + Ports.LOOPBACK, "dns:localhost"));
            return new LocalGrpcSecurity(token, grpcDir, value, certificate);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the gRPC credentials under " + workDir, e);
        }
    }

    /** Settings of trainer and eval: loopback, TLS with the certificate, tokens from the file. */
    Map<String, String> serverProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("quarkus.grpc.server.host", Ports.LOOPBACK);
        properties.put(
                "quarkus.grpc.server.ssl.certificate", certificate.certificate().toString());
        properties.put("quarkus.grpc.server.ssl.key", certificate.key().toString());
        properties.put("twinview.grpc.token-file", grpcDir.resolve("tokens").toString());
        return properties;
    }

    /** What a client of this pipeline needs: trust the certificate, send the token. */
    GrpcAccess access() {
        return new GrpcAccess(certificate.certificate(), null, null, value);
    }

    Path tokenFile() {
        return token;
    }

    /** Removes the token and key once the services are stopped. */
    void delete() {
        Files2.deleteQuietly(grpcDir);
        Files2.deleteQuietly(token);
    }

    private static Path ownerOnly(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, text);
    }
}
