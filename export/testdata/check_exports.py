# The ONNX checker (full_check) and kenn's checksums, recomputed as the
# export package doc tells a non-Go reader to, on every file named in argv.
# Used by the tests of export and export/snn.
import hashlib, struct, sys, onnx
def initializers_sha256(model):
    h = hashlib.sha256()
    for t in model.graph.initializer:
        name = t.name.encode()
        h.update(struct.pack("<Q", len(name)) + name)
        h.update(struct.pack("<q", t.data_type))
        h.update(struct.pack("<Q", len(t.dims)) + struct.pack("<%dq" % len(t.dims), *t.dims))
        h.update(struct.pack("<Q", len(t.raw_data)) + t.raw_data)
        h.update(struct.pack("<Q", len(t.float_data)) + struct.pack("<%df" % len(t.float_data), *t.float_data))
        h.update(struct.pack("<Q", len(t.int32_data)) + struct.pack("<%di" % len(t.int32_data), *t.int32_data))
        h.update(struct.pack("<Q", len(t.int64_data)) + struct.pack("<%dq" % len(t.int64_data), *t.int64_data))
    return h.hexdigest()
for p in sys.argv[1:]:
    m = onnx.load(p)
    onnx.checker.check_model(m, full_check=True)
    meta = {e.key: e.value for e in m.metadata_props}
    assert meta["kenn.kind"] == "snn" or meta["kenn.units"] == "pixel", p
    assert m.opset_import[0].version == 17 and m.ir_version == 8, p
    assert len(meta["kenn.model_id"]) == 64, p
    assert initializers_sha256(m) == meta["kenn.initializers_sha256"], (p, initializers_sha256(m), meta["kenn.initializers_sha256"])
    raw, v = open(p, "rb").read(), meta["kenn.file_sha256"]
    assert hashlib.sha256(raw.replace(v.encode(), b"0" * 64)).hexdigest() == v, p
    print("ok", p)
