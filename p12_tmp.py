import time, gc
from itertools import repeat
from bench.merkle_speed import make_values
vals = make_values(1<<20)
gc.disable()
def T(label, f):
    c=time.process_time(); r=f(); print(f"{label:30s} {time.process_time()-c:.3f}"); return r
accounts, amounts, levels = T("zip*", lambda: zip(*vals))
T("type/len sets", lambda: (set(map(type, accounts)), set(map(len, accounts))))
am = T("map int amounts", lambda: list(map(int, amounts)))
lv = T("map int levels", lambda: list(map(int, levels)))
sa = T("map str amounts", lambda: list(map(str, am)))
sl = T("map str levels", lambda: list(map(str, lv)))
T("rows", lambda: list(map(list, zip(accounts, sa, sl))))
T("rows tuple->list via zip only", lambda: list(zip(accounts, sa, sl)))
