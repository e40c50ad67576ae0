package io.twinview.core.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** AIP-158 pages over a sorted list: every item once, in order, and clear refusals. */
class PagesTest {

    private static final List<String> ITEMS =
            IntStream.range(0, 23).mapToObj(i -> String.format("item-%02d", i)).toList();

    private static Pages.Page<String> page(int size, String token, String filter) {
        return Pages.page(ITEMS, size, token, filter, Function.identity(), Comparator.naturalOrder());
    }

    @Test
    void pagesWalkEveryItemOnceInOrder() {
        List<String> walked = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            Pages.Page<String> page = page(5, token, "f");
            walked.addAll(page.items());
            token = page.nextPageToken();
            pages++;
        } while (!token.isEmpty());
        assertEquals(5, pages, "23 items in pages of 5");
        assertEquals(ITEMS, walked, "every item once, in the list's order");
        assertEquals(ITEMS, page(0, "", "f").items(), "page_size 0 serves the default of 50");
        assertEquals("", page(23, "", "f").nextPageToken(), "no token when the page holds the rest");
        assertEquals(
                List.of(),
                Pages.page(List.<String>of(), 5, "", "f", Function.identity(), Comparator.naturalOrder())
                        .items(),
                "an empty list is one empty page");
    }

    @Test
    void aTokenResumesAfterItsKeyEvenWhenThatItemIsGone() {
        String token = page(5, "", "f").nextPageToken(); // after item-04
        List<String> fewer = new ArrayList<>(ITEMS);
        fewer.remove("item-04");
        fewer.remove("item-05");
        assertEquals(
                "item-06",
                Pages.page(fewer, 5, token, "f", Function.identity(), Comparator.<String>naturalOrder())
                        .items()
                        .get(0),
                "items deleted between calls are skipped, none is repeated");
    }

    @Test
    void badSizesAndTokensAreRefusedNamingTheField() {
        for (int size : new int[] {-1, 1001}) {
            InvalidPageException e = assertThrows(InvalidPageException.class, () -> page(size, "", "f"));
            assertEquals("page_size = " + size + " is not valid: 0 (= 50) to 1000 are allowed", e.getMessage());
        }
        assertEquals(23, page(1000, "", "f").items().size(), "page_size 1000 is allowed");
        for (String token : List.of("%%%", "bm90IG91cnM", page(5, "", "other").nextPageToken())) {
            InvalidPageException e = assertThrows(InvalidPageException.class, () -> page(5, token, "f"));
            assertTrue(e.getMessage().startsWith("page_token = "), e.getMessage());
            assertTrue(e.getMessage().contains("next_page_token"), "says what to pass: " + e.getMessage());
        }
    }
}
