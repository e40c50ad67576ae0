package io.twinview.k8s.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.twinview.k8s.Json;

/** The document path of a Jackson mapping failure ({@code spec.replicas}). */
final class ParsePath {

    private ParsePath() {}

    static String of(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException mapping)) {
            return "";
        }
        String path = "";
        for (JsonMappingException.Reference reference : mapping.getPath()) {
            path = reference.getFieldName() != null
                    ? Json.child(path, reference.getFieldName())
                    : Json.index(path, reference.getIndex());
        }
        return path;
    }
}
