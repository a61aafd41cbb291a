package io.kvcache.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** The Helm chart in helm/kvcache, linted and rendered by Helm itself (helm-java). */
final class Chart {

    static final Path DIR = Repo.path("helm/kvcache");
    static final String RELEASE = "kvcache";
    static final String NAMESPACE = "cache";
    static final String KUBE_VERSION = "v1.33.0";

    private Chart() {
    }

    /** {@code helm template kvcache helm/kvcache -n cache --set k=v ...}, split into documents. */
    static List<Map<String, Object>> render(Map<String, ?> values) {
        StubKubernetesApi.get();
        TemplateCommand template = new Helm(DIR).template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        for (Map.Entry<String, ?> value : values.entrySet()) {
            template = template.set(value.getKey(), value.getValue());
        }
        return Repo.yamlAll(template.call());
    }

    /** The chart's NOTES.txt as {@code helm install --dry-run=client} prints it. */
    static String notes(Map<String, ?> values) {
        InstallCommand install = new Helm(DIR).install()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION)
                .dryRun()
                .withDryRunOption(DryRun.CLIENT)
                .clientOnly();
        for (Map.Entry<String, ?> value : values.entrySet()) {
            install = install.set(value.getKey(), value.getValue());
        }
        String output = install.call().getOutput();
        int notes = output.indexOf("NOTES:");
        if (notes < 0) {
            throw new AssertionError("no NOTES in:\n" + output);
        }
        return output.substring(notes);
    }

    /**
     * {@code helm lint --strict} of the chart with {@code values} set. helm-java's lint takes no
     * values, so the chart is copied to {@code workDir} with those values written into its
     * values.yaml (the rest of the file, and the schema, unchanged).
     */
    static LintResult lint(Map<String, ?> values, Path workDir) {
        Path chart = DIR;
        if (!values.isEmpty()) {
            chart = workDir.resolve("kvcache");
            copy(DIR, chart);
            Map<String, Object> merged = Repo.yaml(Repo.read("helm/kvcache/values.yaml"));
            values.forEach((key, value) -> setPath(merged, key, value));
            DumperOptions options = new DumperOptions();
            options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
            write(chart.resolve("values.yaml"), new Yaml(options).dump(merged));
        }
        return new Helm(chart).lint().strict().call();
    }

    @SuppressWarnings("unchecked")
    private static void setPath(Map<String, Object> root, String dotted, Object value) {
        String[] keys = dotted.split("\\.");
        Map<String, Object> node = root;
        for (int i = 0; i < keys.length - 1; i++) {
            node = (Map<String, Object>) node.computeIfAbsent(keys[i], k -> new LinkedHashMap<String, Object>());
        }
        node.put(keys[keys.length - 1], value);
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // Queries over rendered documents

    static List<Map<String, Object>> ofKind(List<Map<String, Object>> docs, String kind) {
        List<Map<String, Object>> result = new ArrayList<>();
        for (Map<String, Object> doc : docs) {
            if (kind.equals(doc.get("kind"))) {
                result.add(doc);
            }
        }
        return result;
    }

    static Map<String, Object> named(List<Map<String, Object>> docs, String kind, String name) {
        return ofKind(docs, kind).stream()
                .filter(doc -> name.equals(Repo.at(doc, "metadata", "name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in "
                        + docs.stream().map(d -> d.get("kind") + "/" + Repo.find(d, "metadata", "name")).toList()));
    }

    static String name(Map<String, Object> doc) {
        return Repo.at(doc, "metadata", "name");
    }

    /** The pod template's containers of a Deployment or StatefulSet. */
    static List<Map<String, Object>> containers(Map<String, Object> workload) {
        return Repo.at(workload, "spec", "template", "spec", "containers");
    }

    static Map<String, Object> env(Map<String, Object> container, String name) {
        List<Map<String, Object>> env = Repo.at(container, "env");
        return env.stream()
                .filter(e -> name.equals(e.get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("container " + container.get("name") + " has no env " + name));
    }

    /** The literal value of an env var; fails when it comes from elsewhere. */
    static String envValue(Map<String, Object> container, String name) {
        Object value = env(container, name).get("value");
        if (!(value instanceof String text)) {
            throw new AssertionError("env " + name + " of " + container.get("name") + " has no literal value");
        }
        return text;
    }
}
