package io.twinview.core.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;
import org.jboss.logging.Logger;

/**
 * Authenticates every call and checks its role against {@link RpcRoles#TABLE}.
 *
 * <p>The caller is the bearer token of the {@code authorization: Bearer <token>} metadata when there
 * is one (a wrong token is refused even if a client certificate would pass), else the subject of
 * the verified TLS client certificate. UNAUTHENTICATED: no credential, a wrong token, a certificate
 * subject without a role. PERMISSION_DENIED: a role below the RPC's, or an RPC without an entry in
 * the table. Descriptions are plain sentences; no token, stack trace or table is ever sent back.
 * Without any configured credential ({@link Callers#authenticates()} false) every call passes.
 *
 * <p>Not a {@code ServerInterceptor} itself: Quarkus would warn about an interceptor in core's bean
 * archive that is not a bean; each service's {@code grpc.Authentication} is the bean and delegates here.
 */
public final class AuthInterceptor {

    private static final Logger LOG = Logger.getLogger(AuthInterceptor.class);

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static final String BEARER = "Bearer ";

    private final Callers callers;

    public AuthInterceptor(Callers callers) {
        this.callers = callers;
    }

    /** As {@code ServerInterceptor.interceptCall}. */
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<Role> required = RpcRoles.required(method);
        if (required.isEmpty()) {
            return refuse(call, Status.PERMISSION_DENIED, method + " is not open to any role");
        }
        if (!callers.authenticates()) {
            return next.startCall(call, headers);
        }
        String authorization = headers.get(AUTHORIZATION);
        Optional<Role> role;
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return refuse(call, Status.UNAUTHENTICATED, "the authorization metadata is not 'Bearer <token>'");
            }
            role = callers.roleOfToken(authorization.substring(BEARER.length()).strip());
            if (role.isEmpty()) {
                return refuse(call, Status.UNAUTHENTICATED, "the bearer token is not valid");
            }
        } else {
            Optional<X500Principal> subject = clientSubject(call);
            if (subject.isEmpty()) {
                return refuse(
                        call,
                        Status.UNAUTHENTICATED,
                        "no credentials: send 'authorization: Bearer <token>' metadata"
                                + (callers.hasSubjects() ? " or a client certificate" : ""));
            }
            role = callers.roleOfSubject(subject.get());
            if (role.isEmpty()) {
                return refuse(
                        call,
                        Status.UNAUTHENTICATED,
                        "client certificate subject '" + subject.get().getName() + "' has no role");
            }
        }
        if (!role.get().allows(required.get())) {
            return refuse(
                    call,
                    Status.PERMISSION_DENIED,
                    "role " + role.get().label() + " may not call " + method + " (it needs "
                            + required.get().label() + ")");
        }
        return next.startCall(call, headers);
    }

    private static Optional<X500Principal> clientSubject(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf
                    ? Optional.of(leaf.getSubjectX500Principal())
                    : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status, String why) {
        LOG.infof(
                "refused %s from %s: %s %s",
                call.getMethodDescriptor().getFullMethodName(),
                call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
                status.getCode(),
                why);
        call.close(status.withDescription(why), new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
