package io.twinview.core.kafka;

import java.util.Optional;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * What a Kafka security failure means, in a sentence a person can act on: which client could not log in,
 * or which topic or group its ACLs do not cover. Kafka's own messages ("Authorization failed.") name
 * neither the user nor, for some requests, the topic.
 */
public final class KafkaErrors {

    private KafkaErrors() {}

    /**
     * The sentence for an authentication or authorization failure among {@code error} and its causes.
     *
     * @param principal who the client is, as {@link KafkaClients#principal()} says
     * @return empty when no cause is a Kafka security failure
     */
    public static Optional<String> security(Throwable error, String principal) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            Optional<String> sentence = sentence(cause, principal);
            if (sentence.isPresent()) {
                return sentence;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code error} may pass if the call is tried again once the broker is back: Kafka's
     * retriable errors among it and its causes (a timeout, a lost connection, no leader yet, a
     * coordinator moving) and a {@link java.util.concurrent.TimeoutException} of a future. A refused
     * login or ACL, an interrupt, and every other error are permanent.
     */
    public static boolean isTransient(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof AuthenticationException
                    || cause instanceof AuthorizationException
                    || cause instanceof InterruptException
                    || cause instanceof InterruptedException) {
                return false;
            }
            if (cause instanceof RetriableException || cause instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    /** {@link #security}'s sentence, or else the error's class and message. */
    public static String describe(Throwable error, String principal) {
        return security(error, principal).orElseGet(() -> error.getClass().getSimpleName() + ": " + error.getMessage());
    }

    private static Optional<String> sentence(Throwable cause, String principal) {
        if (cause instanceof SaslAuthenticationException) {
            return Optional.of("Kafka authentication failed for " + principal
                    + ": the broker refused its SASL credentials (a wrong user name or password in"
                    + " kafka.sasl.jaas.config, a user the broker does not have, or another kafka.sasl.mechanism): "
                    + cause.getMessage());
        }
        if (cause instanceof SslAuthenticationException) {
            return Optional.of("Kafka TLS handshake failed for " + principal
                    + ": check kafka.ssl.truststore.* (the broker's CA) and, for mutual TLS, kafka.ssl.keystore.*"
                    + " (a certificate the broker trusts): " + cause.getMessage());
        }
        if (cause instanceof AuthenticationException) {
            return Optional.of("Kafka authentication failed for " + principal + ": " + cause.getMessage());
        }
        if (cause instanceof TopicAuthorizationException topics) {
            return Optional.of("Kafka refused " + principal + " access to topic(s) " + topics.unauthorizedTopics()
                    + ": no ACL of this user allows the operation (docs/security.md lists each service's ACLs)");
        }
        if (cause instanceof GroupAuthorizationException group) {
            String name = group.groupId() == null ? "" : " '" + group.groupId() + "'";
            return Optional.of("Kafka refused " + principal + " access to consumer group" + name
                    + ": no ACL of this user allows Read on it (docs/security.md lists each service's ACLs)");
        }
        if (cause instanceof ClusterAuthorizationException) {
            return Optional.of("Kafka refused " + principal + " a cluster operation: no ACL of this user allows it"
                    + " (an idempotent producer of a user that may write no topic is refused its producer id): "
                    + cause.getMessage());
        }
        if (cause instanceof TransactionalIdAuthorizationException) {
            return Optional.of("Kafka refused " + principal + " a transactional id: " + cause.getMessage());
        }
        return Optional.empty();
    }
}
