package io.twinview.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed RSA certificate and its private key as PEM files ({@code NAME.crt}, {@code NAME.key}),
 * made by the JDK's own {@code keytool} (no extra library), for the local stack and the tests: the
 * certificate is its own CA, so a client trusts exactly it. The key file is readable by its owner
 * only; the temporary key store's password travels to keytool in its environment, never on the
 * command line.
 *
 * @param certificate PEM {@code CERTIFICATE}
 * @param key PEM PKCS#8 {@code PRIVATE KEY}
 */
public record SelfSignedCertificate(Path certificate, Path key) {

    private static final long KEYTOOL_TIMEOUT_S = 60;

    /**
     * @param dir where the two files go (created when missing)
     * @param name file name without extension
     * @param subject X.500 name, e.g. {@code CN=localhost,O=twinview}
     * @param subjectAltNames e.g. {@code ip:127.0.0.1}, {@code dns:localhost}; none for a client certificate
     */
    public static SelfSignedCertificate create(Path dir, String name, String subject, List<String> subjectAltNames) {
        try {
            Files.createDirectories(dir);
            Path store = Files.createTempFile(dir, name, ".p12");
            Files.delete(store);
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            try {
                List<String> command = new ArrayList<>(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "key",
                        "-keyalg",
                        "RSA",
                        "-keysize",
                        "2048",
                        "-validity",
                        "825",
                        "-dname",
                        subject,
                        "-keystore",
                        store.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass:env",
                        "TWINVIEW_KEYTOOL_PASSWORD",
                        "-keypass:env",
                        "TWINVIEW_KEYTOOL_PASSWORD"));
                if (!subjectAltNames.isEmpty()) {
                    command.add("-ext");
                    command.add("SAN=" + String.join(",", subjectAltNames));
                }
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
                builder.environment().put("TWINVIEW_KEYTOOL_PASSWORD", password);
                Process keytool = builder.start();
                String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!keytool.waitFor(KEYTOOL_TIMEOUT_S, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                    keytool.destroyForcibly();
                    throw new IllegalStateException(
                            "keytool could not create a key pair for " + subject + ": " + output);
                }
                KeyStore keyStore = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(store)) {
                    keyStore.load(in, password.toCharArray());
                }
                Key key = keyStore.getKey("key", password.toCharArray());
                Path certificate = dir.resolve(name + ".crt");
                Path keyFile = dir.resolve(name + ".key");
                Files.writeString(
                        certificate,
                        pem("CERTIFICATE", keyStore.getCertificate("key").getEncoded()));
                Files.deleteIfExists(keyFile);
                Files.createFile(
                        keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
                return new SelfSignedCertificate(certificate, keyFile);
            } finally {
                Files.deleteIfExists(store);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a certificate under " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key store keytool wrote for " + subject, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while keytool ran", e);
        }
    }

    /**
     * A PKCS#12 trust store holding these certificates, the form Quarkus's
     * {@code quarkus.grpc.server.ssl.trust-store} reads (it takes no PEM there).
     */
    public static Path trustStore(Path file, String password, List<Path> certificates) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (int i = 0; i < certificates.size(); i++) {
                try (InputStream in = Files.newInputStream(certificates.get(i))) {
                    store.setCertificateEntry("ca-" + i, factory.generateCertificate(in));
                }
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the trust store " + file, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a trust store of " + certificates, e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
