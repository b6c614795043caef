import time
import ape
from tests.distributor.conftest import NO_DATA, make_tree

def test_timing(create_token, create_distributor, oracles, sign_root, chain, deployer, outsider, alice, bob, guardian, publish_root):
    token = create_token(cap=10**6)
    d = create_distributor(token, oracles, daily_cap=1000)
    token.sealMinters(sender=deployer)
    for i in range(3):
        t0 = time.perf_counter()
        snap = chain.snapshot()
        head = chain.blocks.head
        print("snap", time.perf_counter() - t0, "head", head.number, head.timestamp, "pending", chain.pending_timestamp)
        chain.mine(timestamp=max(chain.pending_timestamp, head.timestamp + 1) + 5000 + i * 100000)
        day = chain.blocks.head.timestamp // 86400
        tx = publish_root(d, day, make_tree([(alice, 10, 1)]))
        print("tx ts", tx.timestamp)
        t0 = time.perf_counter()
        chain.restore(snap)
        print("restore", time.perf_counter() - t0, "head", chain.blocks.head.number, chain.blocks.head.timestamp, "pending", chain.pending_timestamp, d.pendingRoot()[1])
