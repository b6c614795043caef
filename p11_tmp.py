import time, gc
from bench.merkle_speed import make_values
from twei import merkle
vals = make_values(1<<20)
gc.disable()
def T(label, f):
    c=time.process_time(); r=f(); print(f"{label:30s} {time.process_time()-c:.3f}"); return r
r = T("bodies", lambda: merkle._distributor_bodies(vals))
print(r is None)
import cProfile
cProfile.run("merkle._distributor_bodies(vals)", sort="tottime")
