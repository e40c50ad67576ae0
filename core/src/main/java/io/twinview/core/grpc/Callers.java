package io.twinview.core.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * Who may call the gRPC services: bearer tokens (from {@code twinview.grpc.token-file}) and client
 * certificate subjects (from {@code twinview.grpc.client-subjects-file}), each with its {@link Role}.
 *
 * <p>Both files hold one {@code <role> <value>} per line ({@code operator 3q2+7w...},
 * {@code reader CN=dashboard,O=twinview}); blank lines and lines starting with {@code #} are skipped.
 * Several tokens may share a role (rotation: add the new one, roll the clients, remove the old one).
 * Tokens are kept as SHA-256 digests and compared with {@link MessageDigest#isEqual} against every
 * entry, so neither the time taken nor an error message tells anything about a stored token.
 */
public final class Callers {

    /** Shorter tokens are refused at start: 16 characters is 96 bits in base64. */
    public static final int MIN_TOKEN_LENGTH = 16;

    private record Token(Role role, byte[] digest) {}

    private final List<Token> tokens;
    private final Map<X500Principal, Role> subjects;

    private Callers(List<Token> tokens, Map<X500Principal, Role> subjects) {
        this.tokens = List.copyOf(tokens);
        this.subjects = Map.copyOf(subjects);
    }

    /** Nobody is known: every call is let through (loopback or {@code twinview.grpc.insecure=true} only). */
    public static Callers none() {
        return new Callers(List.of(), Map.of());
    }

    /**
     * @throws IllegalArgumentException naming the setting, the file and the line of an entry that is
     *                                  not {@code <role> <value>}, an unknown role, a short token or a
     *                                  subject that is not an X.500 name (never the token itself)
     * @throws UncheckedIOException when a file cannot be read
     */
    public static Callers load(Optional<Path> tokenFile, Optional<Path> subjectsFile) {
        List<Token> tokens = new ArrayList<>();
        tokenFile.ifPresent(file -> read("twinview.grpc.token-file", file, (role, token) -> {
            if (token.length() < MIN_TOKEN_LENGTH || token.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("the token has " + token.length()
                        + " characters or contains a space; a token is at least " + MIN_TOKEN_LENGTH
                        + " characters without spaces");
            }
            tokens.add(new Token(role, sha256(token)));
        }));
        Map<X500Principal, Role> subjects = new HashMap<>();
        subjectsFile.ifPresent(file -> read("twinview.grpc.client-subjects-file", file, (role, subject) -> {
            try {
                subjects.put(new X500Principal(subject), role);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "subject '" + subject + "' is not an X.500 name like CN=twinview-cli,O=twinview");
            }
        }));
        return new Callers(tokens, subjects);
    }

    /** Whether any credential is configured: without one, calls are not authenticated. */
    public boolean authenticates() {
        return !tokens.isEmpty() || !subjects.isEmpty();
    }

    public boolean hasSubjects() {
        return !subjects.isEmpty();
    }

    /** The role of a bearer token; every stored token is compared, in constant time each. */
    public Optional<Role> roleOfToken(String token) {
        byte[] presented = sha256(token);
        Role found = null;
        for (Token known : tokens) {
            if (MessageDigest.isEqual(presented, known.digest()) && found == null) {
                found = known.role();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The role of a client certificate subject (X.500 names compare regardless of spacing and case). */
    public Optional<Role> roleOfSubject(X500Principal subject) {
        return Optional.ofNullable(subjects.get(subject));
    }

    private interface Entry {
        void accept(Role role, String value);
    }

    private static void read(String setting, Path file, Entry entry) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(setting + " = " + file + " cannot be read: " + e.getMessage(), e);
        }
        int entries = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.indexOf(' ');
            try {
                if (space < 0) {
                    throw new IllegalArgumentException("it is not '<role> <value>'");
                }
                entry.accept(
                        role(line.substring(0, space)),
                        line.substring(space + 1).strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        setting + " = " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
            entries++;
        }
        if (entries == 0) {
            throw new IllegalArgumentException(setting + " = " + file + " holds no '<role> <value>' line");
        }
    }

    /** A role, or an error that does not echo the word (it may be a token written first by mistake). */
    private static Role role(String word) {
        for (Role role : Role.values()) {
            if (role.label().equals(word)) {
                return role;
            }
        }
        throw new IllegalArgumentException("the first word is not a role (reader or operator)");
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
