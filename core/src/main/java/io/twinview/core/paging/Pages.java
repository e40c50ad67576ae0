package io.twinview.core.paging;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * List pagination as Google's AIP-158 has it, shared by ListRuns and ListReports: {@code page_size}
 * 0 means {@link #DEFAULT_PAGE_SIZE}, above {@link #MAX_PAGE_SIZE} is refused; {@code page_token} is
 * opaque to callers (URL-safe base64 of the request's filter and the last key returned) and is refused
 * when it is not one this service made for the same filter.
 */
public final class Pages {

    public static final int DEFAULT_PAGE_SIZE = 50;
    public static final int MAX_PAGE_SIZE = 1000;
    private static final String VERSION = "v1";

    private Pages() {}

    /** One page of items and the token of the next one, empty on the last page. */
    public record Page<T>(List<T> items, String nextPageToken) {}

    /**
     * {@code page_size} as served.
     *
     * @throws InvalidPageException when it is negative or above {@link #MAX_PAGE_SIZE}
     */
    public static int pageSize(int requested) {
        if (requested < 0 || requested > MAX_PAGE_SIZE) {
            throw new InvalidPageException("page_size = " + requested + " is not valid: 0 (= " + DEFAULT_PAGE_SIZE
                    + ") to " + MAX_PAGE_SIZE + " are allowed");
        }
        return requested == 0 ? DEFAULT_PAGE_SIZE : requested;
    }

    /**
     * The page after {@code pageToken} of {@code sorted} (already filtered and in the listing's order).
     *
     * @param filter what else the request asked for: a token is valid only with the same filter
     * @param key each item's unique sort key, which orders {@code sorted} by {@code order}
     * @param order compares keys as {@code sorted} is ordered
     * @throws InvalidPageException naming page_size or page_token
     */
    public static <T> Page<T> page(
            List<T> sorted,
            int pageSize,
            String pageToken,
            String filter,
            Function<T, String> key,
            Comparator<String> order) {
        int size = pageSize(pageSize);
        Optional<String> after = after(pageToken, filter);
        int from = 0;
        if (after.isPresent()) {
            while (from < sorted.size() && order.compare(key.apply(sorted.get(from)), after.get()) <= 0) {
                from++;
            }
        }
        int to = Math.min(sorted.size(), from + size);
        List<T> items = List.copyOf(sorted.subList(from, to));
        String next = to < sorted.size() ? token(filter, key.apply(items.get(items.size() - 1))) : "";
        return new Page<>(items, next);
    }

    static String token(String filter, String lastKey) {
        String plain = VERSION + "\n" + filter + "\n" + lastKey;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** The last key of the previous page, empty for the first page. */
    static Optional<String> after(String pageToken, String filter) {
        if (pageToken == null || pageToken.isEmpty()) {
            return Optional.empty();
        }
        String plain;
        try {
            plain = new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalidToken(pageToken, "it is not a token this service made");
        }
        String[] parts = plain.split("\n", 3);
        if (parts.length != 3 || !parts[0].equals(VERSION) || parts[2].isEmpty()) {
            throw invalidToken(pageToken, "it is not a token this service made");
        }
        if (!parts[1].equals(filter)) {
            throw invalidToken(
                    pageToken,
                    "it was made for another request (" + parts[1] + "); pass the same filter as"
                            + " the request that returned it");
        }
        return Optional.of(parts[2]);
    }

    private static InvalidPageException invalidToken(String token, String why) {
        String shown = token.length() > 80 ? token.substring(0, 80) + "..." : token;
        return new InvalidPageException("page_token = \"" + shown + "\" is not valid: " + why
                + "; pass a next_page_token as returned, or none for the first page");
    }
}
