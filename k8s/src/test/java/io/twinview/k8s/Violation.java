package io.twinview.k8s;

/**
 * One broken rule: the document ({@code Kind namespace/name}), the field path inside it, and what is
 * wrong with what was expected.
 */
public record Violation(String document, String path, String message) {

    public static Violation of(Manifest manifest, String path, String message) {
        return new Violation(manifest.id(), path, message);
    }

    @Override
    public String toString() {
        return document + " " + (path.isEmpty() ? "(document)" : path) + ": " + message;
    }
}
