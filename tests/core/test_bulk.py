"""gc_paused: the collector is off during a burst and back after it; what a big burst kept is still collected."""

import gc
import weakref

from taskforge.core.bulk import gc_paused


class Node:
    def __init__(self):
        self.me = self  # a cycle: only the cyclic collector can free it


def test_the_collector_is_paused_for_the_burst_and_restored_after_it():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the outer one restores
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_big_burst_leaves_no_young_pass_behind_and_its_cycles_are_still_collected():
    with gc_paused():
        kept = [Node() for _ in range(20_000)]
    oldest = {id(thing) for thing in gc.get_objects(generation=2)}
    assert id(kept[0]) in oldest and id(kept[-1]) in oldest  # not left for young-generation passes
    probe = weakref.ref(kept[0])
    del kept
    gc.collect()
    assert probe() is None
