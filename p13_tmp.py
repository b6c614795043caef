import time, gc, cProfile
from bench.merkle_speed import make_values
from twei import merkle
vals = make_values(1<<20)
cProfile.run("merkle.StandardMerkleTree.of(vals, merkle.DISTRIBUTOR_LEAF_ENCODING)", sort="tottime")
