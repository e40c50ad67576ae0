package io.twinview.core.grpc;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.twinview.stack.SelfSignedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.function.Executable;

/**
 * TLS material, tokens, channels and a probe for the gRPC security tests of trainer-service and
 * eval-service: a server certificate for 127.0.0.1, a client certificate the server trusts (its
 * subject is a reader), an untrusted one with the same subject, and random operator and reader
 * tokens, all made once per JVM in a temporary folder.
 */
public final class GrpcTestSecurity {

    /** The operator token of the services' default test profile ({@code src/test/resources/grpc-test-tokens}). */
    public static final BearerToken TEST_OPERATOR = new BearerToken("test-operator-token-0123456789");

    /** The subject both client certificates carry; only the trusted one reaches the token check. */
    public static final String CLIENT_SUBJECT = "CN=twinview-test-reader,O=twinview";

    private static GrpcTestSecurity instance;

    public final SelfSignedCertificate server;
    public final SelfSignedCertificate client;
    public final SelfSignedCertificate untrustedClient;
    public final String operatorToken;
    public final String readerToken;
    private final Map<String, String> serverConfig;

    private GrpcTestSecurity(Path dir) throws IOException {
        server = SelfSignedCertificate.create(
                dir, "server", "CN=localhost,O=twinview", List.of("ip:127.0.0.1", "dns:localhost"));
        client = SelfSignedCertificate.create(dir, "client", CLIENT_SUBJECT, List.of());
        untrustedClient = SelfSignedCertificate.create(dir.resolve("untrusted"), "client", CLIENT_SUBJECT, List.of());
        operatorToken = randomToken();
        readerToken = randomToken();
        String trustPassword = randomToken();
        Path trustStore = SelfSignedCertificate.trustStore(
                dir.resolve("client-ca.p12"), trustPassword, List.of(client.certificate()));
        Path tokens = Files.writeString(
                dir.resolve("tokens"), "# test tokens\noperator " + operatorToken + "\nreader " + readerToken + "\n");
        Path subjects = Files.writeString(dir.resolve("subjects"), "reader " + CLIENT_SUBJECT + "\n");
        serverConfig = new LinkedHashMap<>();
        serverConfig.put(
                "quarkus.grpc.server.ssl.certificate", server.certificate().toString());
        serverConfig.put("quarkus.grpc.server.ssl.key", server.key().toString());
        serverConfig.put("quarkus.grpc.server.ssl.trust-store", trustStore.toString());
        serverConfig.put("quarkus.grpc.server.ssl.trust-store-password", trustPassword);
        serverConfig.put("quarkus.grpc.server.ssl.client-auth", "REQUEST");
        serverConfig.put("twinview.grpc.token-file", tokens.toString());
        serverConfig.put("twinview.grpc.client-subjects-file", subjects.toString());
    }

    public static synchronized GrpcTestSecurity get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("twinview-grpc-tls");
                dir.toFile().deleteOnExit();
                instance = new GrpcTestSecurity(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** TLS with optional client certificates, tokens from two files: a service's secured test profile. */
    public Map<String, String> serverConfig() {
        return serverConfig;
    }

    /** A TLS channel that trusts the test server certificate, presenting {@code clientCertificate} if not null. */
    public ManagedChannel tlsChannel(int port, SelfSignedCertificate clientCertificate) {
        try {
            TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder()
                    .trustManager(server.certificate().toFile());
            if (clientCertificate != null) {
                tls.keyManager(
                        clientCertificate.certificate().toFile(),
                        clientCertificate.key().toFile());
            }
            return channel(port, tls.build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ManagedChannel plaintextChannel(int port) {
        return channel(port, InsecureChannelCredentials.create());
    }

    private static ManagedChannel channel(int port, ChannelCredentials credentials) {
        return Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
    }

    public static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /**
     * Calls {@code method} with its empty request (a request every service refuses as invalid or
     * unknown once past authentication, so nothing starts) and returns the status the call ended with.
     */
    @SuppressWarnings("unchecked")
    public static Status probe(Channel channel, MethodDescriptor<?, ?> method, CallCredentials credentials) {
        MethodDescriptor<Object, Object> call = (MethodDescriptor<Object, Object>) method;
        Object request =
                ((MethodDescriptor.PrototypeMarshaller<Object>) call.getRequestMarshaller()).getMessagePrototype();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS);
        if (credentials != null) {
            options = options.withCallCredentials(credentials);
        }
        try {
            if (call.getType() == MethodDescriptor.MethodType.UNARY) {
                ClientCalls.blockingUnaryCall(channel, call, options, request);
            } else {
                Iterator<Object> responses = ClientCalls.blockingServerStreamingCall(channel, call, options, request);
                responses.hasNext();
            }
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /**
     * The acceptance checks on a service's TLS port, for every method of its descriptor: no
     * credential and a wrong token are UNAUTHENTICATED, a reader (token or trusted client
     * certificate) calling an operator RPC is PERMISSION_DENIED, the right role gets past the
     * interceptor, plaintext and an untrusted client certificate fail the connection.
     */
    public void assertEveryRpcIsGuarded(int port, ServiceDescriptor service) throws InterruptedException {
        ManagedChannel tls = tlsChannel(port, null);
        ManagedChannel withCertificate = tlsChannel(port, client);
        ManagedChannel withUntrustedCertificate = tlsChannel(port, untrustedClient);
        ManagedChannel plaintext = plaintextChannel(port);
        BearerToken operator = new BearerToken(operatorToken);
        BearerToken reader = new BearerToken(readerToken);
        BearerToken wrong = new BearerToken(randomToken());
        try {
            assertFalse(service.getMethods().isEmpty(), "a service with RPCs: " + service.getName());
            List<Executable> checks = new ArrayList<>();
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                String name = method.getFullMethodName();
                Role required = RpcRoles.required(name)
                        .orElseThrow(() -> new AssertionError(name + " has no entry in RpcRoles.TABLE"));
                checks.add(() ->
                        refused(Status.Code.UNAUTHENTICATED, probe(tls, method, null), name + " without credentials"));
                checks.add(() ->
                        refused(Status.Code.UNAUTHENTICATED, probe(tls, method, wrong), name + " with a wrong token"));
                checks.add(() -> refused(
                        Status.Code.UNAUTHENTICATED,
                        probe(withCertificate, method, wrong),
                        name + " with a wrong token and a trusted client certificate (the token decides)"));
                checks.add(() -> passes(probe(tls, method, operator), name + " as operator"));
                if (required == Role.OPERATOR) {
                    checks.add(() -> refused(
                            Status.Code.PERMISSION_DENIED, probe(tls, method, reader), name + " as reader (token)"));
                    checks.add(() -> refused(
                            Status.Code.PERMISSION_DENIED,
                            probe(withCertificate, method, null),
                            name + " as reader (client certificate)"));
                } else {
                    checks.add(() -> passes(probe(tls, method, reader), name + " as reader (token)"));
                    checks.add(() ->
                            passes(probe(withCertificate, method, null), name + " as reader (client certificate)"));
                }
                checks.add(() -> assertEquals(
                        Status.Code.UNAVAILABLE,
                        probe(plaintext, method, operator).getCode(),
                        name + ": a plaintext client cannot talk to the TLS port, even with a good token"));
                checks.add(() -> assertEquals(
                        Status.Code.UNAVAILABLE,
                        probe(withUntrustedCertificate, method, operator).getCode(),
                        name + ": an untrusted client certificate fails the TLS handshake, even with a good token"));
            }
            assertAll(service.getName(), checks);
        } finally {
            close(tls);
            close(withCertificate);
            close(withUntrustedCertificate);
            close(plaintext);
        }
    }

    private static void refused(Status.Code expected, Status status, String call) {
        assertEquals(expected, status.getCode(), call + " is refused with " + expected + ": " + status);
        String description = String.valueOf(status.getDescription());
        assertFalse(
                description.contains("Exception") || description.contains("\tat "),
                call + ": the refusal is a plain sentence, no stack trace: " + description);
    }

    private static void passes(Status status, String call) {
        assertFalse(
                Set.of(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED, Status.Code.UNAVAILABLE)
                        .contains(status.getCode()),
                call + " gets past authentication to the service itself: " + status);
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
