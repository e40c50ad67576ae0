# An independent safetensors reader (json + struct only): prints the metadata as JSON, then one line
# per tensor in file order: key, dtype, shape as JSON, and the first value.
import json
import struct
import sys

with open(sys.argv[1], 'rb') as f:
    data = f.read()
(n,) = struct.unpack('<Q', data[:8])
header = json.loads(data[8:8 + n].decode('utf-8'))
body = data[8 + n:]
print(json.dumps(header.pop('__metadata__', {}), sort_keys=True))
fmt = {'F32': ('<f', 4), 'I64': ('<q', 8)}
end = 0
for key, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets'][0]):
    begin, stop = info['data_offsets']
    assert begin == end, key + ' is not contiguous'
    code, size = fmt[info['dtype']]
    count = 1
    for d in info['shape']:
        count *= d
    assert stop - begin == count * size, key + ' has the wrong byte length'
    (first,) = struct.unpack(code, body[begin:begin + size])
    print(key, info['dtype'], json.dumps(info['shape']).replace(' ', ''), repr(first))
    end = stop
assert end == len(body), 'trailing bytes'
