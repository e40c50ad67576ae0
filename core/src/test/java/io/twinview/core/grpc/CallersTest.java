package io.twinview.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallersTest {

    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void tokensAndSubjectsMapToTheirRoles() throws IOException {
        Callers callers = Callers.load(
                Optional.of(
                        file(
                                "tokens",
                                "# rotation: two operator tokens\noperator aaaaaaaaaaaaaaaa1\n\noperator aaaaaaaaaaaaaaaa2\nreader rrrrrrrrrrrrrrrr\n")),
                Optional.of(file("subjects", "reader CN=dashboard, O=twinview\n")));

        assertEquals(Optional.of(Role.OPERATOR), callers.roleOfToken("aaaaaaaaaaaaaaaa1"), "first operator token");
        assertEquals(Optional.of(Role.OPERATOR), callers.roleOfToken("aaaaaaaaaaaaaaaa2"), "second operator token");
        assertEquals(Optional.of(Role.READER), callers.roleOfToken("rrrrrrrrrrrrrrrr"), "reader token");
        assertEquals(Optional.empty(), callers.roleOfToken("aaaaaaaaaaaaaaaa"), "a prefix of a token is no token");
        assertEquals(Optional.empty(), callers.roleOfToken(""), "empty is no token");
        assertEquals(
                Optional.of(Role.READER),
                callers.roleOfSubject(new X500Principal("cn=dashboard,o=twinview")),
                "X.500 names compare regardless of case and spacing");
        assertEquals(
                Optional.empty(), callers.roleOfSubject(new X500Principal("CN=other,O=twinview")), "unknown subject");
        assertTrue(callers.authenticates(), "credentials configured");
        assertFalse(Callers.none().authenticates(), "no files, no authentication");
    }

    @Test
    void badLinesNameTheSettingFileAndLineButNeverTheToken() throws IOException {
        Path shortToken = file("short", "operator short-secret\n");
        IllegalArgumentException tooShort = assertThrows(
                IllegalArgumentException.class, () -> Callers.load(Optional.of(shortToken), Optional.empty()));
        assertTrue(
                tooShort.getMessage().contains("twinview.grpc.token-file = " + shortToken + " line 1")
                        && tooShort.getMessage().contains("at least 16"),
                tooShort.getMessage());
        assertFalse(
                tooShort.getMessage().contains("short-secret"), "the token is not echoed: " + tooShort.getMessage());

        Path swapped = file("swapped", "# comment\nthe-token-written-first operator\n");
        IllegalArgumentException role = assertThrows(
                IllegalArgumentException.class, () -> Callers.load(Optional.of(swapped), Optional.empty()));
        assertTrue(
                role.getMessage().contains("line 2") && role.getMessage().contains("reader or operator"),
                role.getMessage());
        assertFalse(
                role.getMessage().contains("the-token-written-first"), "the token is not echoed: " + role.getMessage());

        Path empty = file("empty", "# nothing yet\n");
        IllegalArgumentException none =
                assertThrows(IllegalArgumentException.class, () -> Callers.load(Optional.of(empty), Optional.empty()));
        assertTrue(none.getMessage().contains("holds no"), none.getMessage());

        Path subjects = file("subjects", "reader not a name\n");
        IllegalArgumentException subject = assertThrows(
                IllegalArgumentException.class, () -> Callers.load(Optional.empty(), Optional.of(subjects)));
        assertTrue(
                subject.getMessage().contains("twinview.grpc.client-subjects-file")
                        && subject.getMessage().contains("not an X.500 name"),
                subject.getMessage());
    }
}
