package io.twinview.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** The documents of one rendering ({@code kubectl kustomize DIR}), in their order, with the lookups checks share. */
public final class Manifests {

    private static final YAMLMapper YAML = new YAMLMapper();

    /** Workload kinds and where their pod template is. */
    private static final Map<String, String> POD_TEMPLATES = Map.of(
            "Deployment", "spec.template",
            "StatefulSet", "spec.template",
            "DaemonSet", "spec.template",
            "ReplicaSet", "spec.template",
            "Job", "spec.template",
            "CronJob", "spec.jobTemplate.spec.template");

    private final String source;
    private final List<Manifest> all;

    public Manifests(String source, List<Manifest> all) {
        this.source = source;
        this.all = List.copyOf(all);
    }

    /** Every document of a multi-document YAML stream; empty documents are skipped. */
    public static Manifests parse(String source, String yaml) {
        List<Manifest> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node instanceof ObjectNode object && !object.isEmpty()) {
                    documents.add(new Manifest(object));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse the rendering of " + source, e);
        }
        return new Manifests(source, documents);
    }

    /** Where it came from, e.g. {@code k8s/overlays/dev}. */
    public String source() {
        return source;
    }

    public List<Manifest> all() {
        return all;
    }

    public List<Manifest> ofKind(String kind) {
        return all.stream().filter(m -> m.is(kind)).toList();
    }

    public Optional<Manifest> find(String kind, String namespace, String name) {
        return all.stream()
                .filter(m -> m.is(kind)
                        && m.namespace().equals(namespace)
                        && m.name().equals(name))
                .findFirst();
    }

    /** The pod templates of every workload. */
    public List<PodTemplate> podTemplates() {
        List<PodTemplate> templates = new ArrayList<>();
        for (Manifest manifest : all) {
            String path = POD_TEMPLATES.get(manifest.kind());
            if (path != null && manifest.at(path).isObject()) {
                templates.add(new PodTemplate(manifest, path, manifest.at(path)));
            }
        }
        return templates;
    }

    /** The pod templates in {@code namespace} whose labels {@code selector} (a LabelSelector or a plain map) matches. */
    public List<PodTemplate> selectedBy(String namespace, JsonNode selector, boolean labelSelector) {
        return podTemplates().stream()
                .filter(t -> t.manifest().namespace().equals(namespace))
                .filter(t -> labelSelector
                        ? Selectors.matches(selector, t.labels())
                        : Selectors.matchesMap(selector, t.labels()))
                .toList();
    }

    /** A copy with {@code change} applied to the copy of the first document of {@code kind} and {@code name}. */
    public Manifests with(String kind, String name, UnaryOperator<ObjectNode> change) {
        List<Manifest> copies = new ArrayList<>();
        boolean changed = false;
        for (Manifest manifest : all) {
            Manifest copy = manifest.copy();
            if (!changed && copy.is(kind) && copy.name().equals(name)) {
                copy = new Manifest(change.apply(copy.body()));
                changed = true;
            }
            copies.add(copy);
        }
        if (!changed) {
            throw new IllegalArgumentException("no " + kind + " " + name + " in " + source);
        }
        return new Manifests(source + " (mutated)", copies);
    }

    /** A copy with one more document. */
    public Manifests plus(String yaml) {
        List<Manifest> copies = new ArrayList<>(all.stream().map(Manifest::copy).toList());
        copies.addAll(parse(source, yaml).all());
        return new Manifests(source + " (mutated)", copies);
    }

    /** A copy without the documents of {@code kind} and {@code name}. */
    public Manifests without(String kind, String name) {
        return new Manifests(
                source + " (mutated)",
                all.stream()
                        .filter(m -> !(m.is(kind) && m.name().equals(name)))
                        .map(Manifest::copy)
                        .toList());
    }

    @Override
    public String toString() {
        return source + " (" + all.size() + " documents)";
    }
}
