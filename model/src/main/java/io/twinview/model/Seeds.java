package io.twinview.model;

import java.nio.charset.StandardCharsets;

/** Independent 64-bit seeds derived from a run seed and a purpose, so components never share a stream. */
public final class Seeds {

    private Seeds() {}

    public static long derive(long seed, String purpose) {
        long h = seed;
        for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xff));
        }
        return mix(h);
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood: "Fast splittable pseudorandom number generators"). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
