package io.twinview.core.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only memory mapping of a file of fixed-size records, in chunks of whole records so that
 * files over 2 GiB (STL-10's unlabeled_X.bin is 2.76 GB) map too. Absolute gets only: thread-safe.
 */
final class RecordFile {

    private static final long MAX_CHUNK = Integer.MAX_VALUE;

    private final Path path;
    private final int recordBytes;
    private final int recordsPerChunk;
    private final ByteBuffer[] chunks;
    private final int records;

    private RecordFile(Path path, int recordBytes, int recordsPerChunk, ByteBuffer[] chunks, int records) {
        this.path = path;
        this.recordBytes = recordBytes;
        this.recordsPerChunk = recordsPerChunk;
        this.chunks = chunks;
        this.records = records;
    }

    /**
     * @param what the record's layout in words, for the error when the size is not a positive multiple
     */
    static RecordFile map(DatasetUri uri, Path path, int recordBytes, String what) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size == 0 || size % recordBytes != 0) {
                throw uri.error("file " + path + " is " + size + " bytes, not a positive multiple of " + recordBytes
                        + " (" + what + ")");
            }
            long count = size / recordBytes;
            if (count > Integer.MAX_VALUE) {
                throw uri.error("file " + path + " holds " + count + " records; at most " + Integer.MAX_VALUE);
            }
            int perChunk = (int) (MAX_CHUNK / recordBytes);
            int chunkCount = (int) ((count + perChunk - 1) / perChunk);
            ByteBuffer[] chunks = new ByteBuffer[chunkCount];
            for (int c = 0; c < chunkCount; c++) {
                long start = (long) c * perChunk * recordBytes;
                long length = Math.min((long) perChunk * recordBytes, size - start);
                chunks[c] = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
            }
            return new RecordFile(path, recordBytes, perChunk, chunks, (int) count);
        } catch (IOException e) {
            throw new DatasetException("dataset URI '" + uri.text() + "': cannot read " + path + ": " + e, e);
        }
    }

    Path path() {
        return path;
    }

    int records() {
        return records;
    }

    /** Byte {@code offset} of record {@code record}. */
    byte get(int record, int offset) {
        return chunks[record / recordsPerChunk].get((record % recordsPerChunk) * recordBytes + offset);
    }
}
