package io.twinview.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * A service's setting as its Deployment gives it, resolved the way Quarkus would: the container's own
 * {@code env} value, then its {@code envFrom} ConfigMaps, then the service's {@code application.properties}
 * (read from the jar of its config mapping), then the mapping's {@code @WithDefault}. Nothing is copied here:
 * a default changed in {@code AugmentConfig} changes what the cross-checks expect.
 */
public final class ServiceSettings {

    private final Manifests manifests;
    private final PodTemplate.Container container;
    private final Class<?> mapping;
    private final Properties applicationProperties;

    private ServiceSettings(
            Manifests manifests, PodTemplate.Container container, Class<?> mapping, Properties applicationProperties) {
        this.manifests = manifests;
        this.container = container;
        this.mapping = mapping;
        this.applicationProperties = applicationProperties;
    }

    /** The settings of the first container running {@code service}'s image (augment, trainer, eval), if any. */
    public static Optional<ServiceSettings> of(Manifests manifests, String service, Class<?> mapping) {
        return manifests.podTemplates().stream()
                .filter(t -> t.manifest().is("Deployment"))
                .flatMap(t -> t.containers().stream())
                .filter(c -> c.service().equals(service))
                .findFirst()
                .map(c -> new ServiceSettings(manifests, c, mapping, applicationProperties(mapping)));
    }

    /** The settings of {@code service}'s container in {@code workload}, if it runs one. */
    public static Optional<ServiceSettings> of(
            Manifests manifests, Manifest workload, String service, Class<?> mapping) {
        return manifests.podTemplates().stream()
                .filter(t -> t.manifest() == workload)
                .flatMap(t -> t.containers().stream())
                .filter(c -> c.service().equals(service))
                .findFirst()
                .map(c -> new ServiceSettings(manifests, c, mapping, applicationProperties(mapping)));
    }

    public PodTemplate.Container container() {
        return container;
    }

    /** The value and where it came from. */
    public record Setting(String key, String value, String source) {

        public int asInt() {
            return Integer.parseInt(value.trim());
        }

        @Override
        public String toString() {
            return key + "=" + value + " (" + source + ")";
        }
    }

    /**
     * @param method a method of the mapping interface, e.g. {@code groupId}
     */
    public Setting get(String method) {
        String prefix = mapping.getAnnotation(ConfigMapping.class).prefix();
        Method accessor;
        try {
            accessor = mapping.getMethod(method);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(mapping.getSimpleName() + " has no setting " + method, e);
        }
        WithName withName = accessor.getAnnotation(WithName.class);
        String key = prefix + "." + (withName != null ? withName.value() : kebab(method));
        String env = key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");

        String explicit = container.envValue(env);
        if (explicit != null) {
            return new Setting(
                    key,
                    explicit,
                    "env " + env + " of " + container.pod().manifest().id());
        }
        for (JsonNode from : container.node().path("envFrom")) {
            String configMap = from.path("configMapRef").path("name").asText("");
            if (configMap.isEmpty()) {
                continue;
            }
            Optional<Manifest> data =
                    manifests.find("ConfigMap", container.pod().manifest().namespace(), configMap);
            if (data.isPresent() && data.get().at("data").has(env)) {
                return new Setting(
                        key,
                        data.get().at("data").path(env).asText(),
                        data.get().id() + " data." + env);
            }
        }
        String property = applicationProperties.getProperty(key);
        if (property != null) {
            return new Setting(key, property, "application.properties of " + mapping.getSimpleName() + "'s service");
        }
        WithDefault withDefault = accessor.getAnnotation(WithDefault.class);
        if (withDefault != null) {
            return new Setting(key, withDefault.value(), mapping.getSimpleName() + "." + method + " default");
        }
        throw new IllegalStateException(key + " has no value and no default in " + mapping.getName());
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The application.properties in the same jar (or classes folder) as the mapping interface. */
    private static Properties applicationProperties(Class<?> mapping) {
        Properties properties = new Properties();
        URL location = mapping.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader jar = new URLClassLoader(new URL[] {location}, null);
                InputStream in = jar.findResource("application.properties") == null
                        ? null
                        : jar.findResource("application.properties").openStream()) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read application.properties from " + location, e);
        }
        return properties;
    }
}
