package io.twinview.k8s.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;

/** OpenAPI v3 structural schemas become strict JSON Schema, keeping what Kubernetes allows. */
class CrdSchemasTest {

    private static final YAMLMapper YAML = new YAMLMapper();

    private static final String OPEN_API = """
            type: object
            properties:
              spec:
                type: object
                properties:
                  port:
                    x-kubernetes-int-or-string: true
                    anyOf:
                      - type: integer
                      - type: string
                  config:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                  labels:
                    type: object
                    additionalProperties:
                      type: string
                  replicas:
                    type: integer
                    minimum: 0
                    exclusiveMinimum: true
                  note:
                    type: string
                    nullable: true
            """;

    @Test
    void unknownFieldsAreRejectedUnlessPreserved() throws Exception {
        assertEquals(0, errors("spec: {config: {any.thing: 1}, labels: {a: b}}"), "preserved and map fields pass");
        assertEquals(1, errors("spec: {prot: 1}"), "a typo of an object with properties fails");
    }

    @Test
    void intOrStringTakesBothAndNullableTakesNull() throws Exception {
        assertEquals(0, errors("spec: {port: 8080}"));
        assertEquals(0, errors("spec: {port: http}"));
        assertEquals(0, errors("spec: {note: null}"));
        assertTrue(errors("spec: {port: [1]}") > 0, "a list is neither int nor string");
    }

    @Test
    void openApisBooleanExclusiveMinimumBecomesANumber() throws Exception {
        JsonNode strict = CrdSchemas.strict(YAML.readTree(OPEN_API));
        JsonNode replicas =
                strict.path("properties").path("spec").path("properties").path("replicas");
        assertEquals(0, replicas.path("exclusiveMinimum").asInt(-1));
        assertFalse(replicas.has("minimum"));
        assertEquals(1, errors("spec: {replicas: 0}"));
        assertEquals(0, errors("spec: {replicas: 1}"));
        assertTrue(strict.path("additionalProperties").isBoolean());
    }

    private static int errors(String yaml) throws Exception {
        String schema = CrdSchemas.strict(YAML.readTree(OPEN_API)).toString();
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2019_09)
                .getSchema(schema, InputFormat.JSON)
                .validate(YAML.readTree(yaml).toString(), InputFormat.JSON)
                .size();
    }
}
