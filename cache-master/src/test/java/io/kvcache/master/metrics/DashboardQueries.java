package io.kvcache.master.metrics;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The series a PromQL query of the dashboard names (what is left once labels, ranges and functions are removed). */
final class DashboardQueries {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "and", "or", "unless", "offset");

    private DashboardQueries() {
    }

    static Set<String> metricNames(String query) {
        String stripped = query
                .replaceAll("\"[^\"]*\"", "")                              // label values
                .replaceAll("\\{[^}]*}", "")                               // label matchers
                .replaceAll("\\[[^]]*]", "")                               // ranges
                .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", "") // grouping labels
                .replaceAll("\\$\\w+", "");                                // Grafana variables
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(stripped);
        while (m.find()) {
            String word = m.group();
            int next = m.end();
            while (next < stripped.length() && stripped.charAt(next) == ' ') {
                next++;
            }
            boolean function = next < stripped.length() && stripped.charAt(next) == '(';
            boolean number = m.start() > 0 && Character.isDigit(stripped.charAt(m.start() - 1));
            if (!function && !number && !KEYWORDS.contains(word)) {
                names.add(word);
            }
        }
        return names;
    }
}
