package io.twinview.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One rendered document: its identity and its tree. {@link #id()} is how every check names it
 * ({@code Deployment twinview-dev/twinview-augment}).
 */
public record Manifest(ObjectNode body) {

    public String apiVersion() {
        return body.path("apiVersion").asText("");
    }

    public String kind() {
        return body.path("kind").asText("");
    }

    public String name() {
        return body.path("metadata").path("name").asText("");
    }

    /** The namespace, or "" for a cluster-scoped document or one rendered without a namespace (base). */
    public String namespace() {
        return body.path("metadata").path("namespace").asText("");
    }

    /** The API group: "" for the core group ({@code v1}), {@code apps} for {@code apps/v1}. */
    public String group() {
        String apiVersion = apiVersion();
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    public String version() {
        String apiVersion = apiVersion();
        return apiVersion.substring(apiVersion.indexOf('/') + 1);
    }

    /** {@code Kind namespace/name}, or {@code Kind name} without a namespace. */
    public String id() {
        return kind() + " " + (namespace().isEmpty() ? "" : namespace() + "/") + name();
    }

    public boolean is(String kind) {
        return kind().equals(kind);
    }

    public JsonNode at(String dottedPath) {
        return Json.at(body, dottedPath);
    }

    /** A deep copy, for a test that mutates it. */
    public Manifest copy() {
        return new Manifest(body.deepCopy());
    }

    @Override
    public String toString() {
        return id();
    }
}
