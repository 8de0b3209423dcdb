"""bench/malloc_count.c counts exactly the allocation calls a program makes: a small C program with a known
number of malloc/calloc/realloc/posix_memalign/aligned_alloc calls between two reads of the counter, run
with the hook preloaded, must report that number; without the hook the symbol must be absent."""
import os
import pathlib
import shutil
import subprocess

import pytest

BENCH = pathlib.Path(__file__).resolve().parent.parent

PROBE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    uint64_t (*calls)(void) = (uint64_t (*)(void))dlsym(RTLD_DEFAULT, "kwsbench_malloc_calls");
    if (!calls) { puts("absent"); return 0; }
    void *volatile keep[8];
    uint64_t before = calls();
    keep[0] = malloc(24);
    keep[1] = malloc(4096);
    keep[2] = calloc(10, 8);
    keep[3] = realloc(keep[0], 100000);
    posix_memalign((void **)&keep[4], 64, 512);
    keep[5] = aligned_alloc(64, 1024);
    free(keep[1]);              /* frees are not counted */
    free(keep[2]);
    uint64_t after = calls();
    printf("%llu\n", (unsigned long long)(after - before));
    free(keep[3]); free(keep[4]); free(keep[5]);
    return 0;
}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    cc = shutil.which("cc")
    if not cc:
        pytest.skip("no C compiler")
    d = tmp_path_factory.mktemp("malloc_count")
    so, probe = d / "malloc_count.so", d / "probe"
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-Wall", "-Werror", "-o", so, BENCH / "malloc_count.c", "-ldl"],
                   check=True)
    (d / "probe.c").write_text(PROBE)
    subprocess.run([cc, "-O0", "-o", probe, d / "probe.c", "-ldl"], check=True)
    return so, probe


def test_counts_every_allocation_call_and_not_frees(built):
    so, probe = built
    out = subprocess.run([probe], env=dict(os.environ, LD_PRELOAD=str(so)), capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "6"


def test_counter_absent_without_preload(built):
    _, probe = built
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    out = subprocess.run([probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "absent"


def test_preloaded_program_still_runs_normally(built):
    so, _ = built
    out = subprocess.run(["sort"], input="b\na\nc\n", env=dict(os.environ, LD_PRELOAD=str(so)),
                         capture_output=True, text=True, check=True)
    assert out.stdout == "a\nb\nc\n"
