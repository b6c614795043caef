import time, gc
from bench.merkle_speed import make_values
from twei import merkle
vals = make_values(1<<20)
gc.disable()
def T(label, f):
    c=time.process_time(); r=f(); print(f"{label:30s} {time.process_time()-c:.3f}"); return r
rows, hashes = T("leaves (native)", lambda: merkle._distributor_leaves(vals))
order = T("sort", lambda: merkle._sort_order(hashes))
n=len(hashes)
tree = T("place", lambda: [b""]*(n-1) + [hashes[i] for i in reversed(order)])
T("internal", lambda: merkle._hash_internal_nodes(tree, n-1))
from twei.native import keccak_batch
kb=keccak_batch()
blob=b"x"*96*n
T("C leaf hashes only", lambda: kb.leaf_hashes(blob, 96))
T("split32 1M", lambda: merkle._split32(b"y"*32*n))
