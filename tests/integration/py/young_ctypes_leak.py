# young_python_not_judged_again: leaks a 1111-byte block through ctypes
# (its address kept only as a Python int, whose digits are no pointer),
# then waits until its own log holds 4 complete scans, read through a
# read-only mapping (a heap copy of the log would hold the addresses of
# lost blocks), and prints how many it saw.
import ctypes, mmap, os, struct, time

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
ctypes.memset(libc.malloc(1111), 1, 1111)
path = "%s/logs/lg.%d.log" % (os.environ.get("LG_TEST_TMP", "."), os.getpid())

def scans():
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            return 0
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            off = n = 0
            while size - off >= 12:
                rtype, length = struct.unpack_from("<H", m, off + 2)[0], struct.unpack_from("<I", m, off + 4)[0]
                if size - off < length + 12:
                    break
                n += rtype == 7
                off += length + 12
            return n

for _ in range(6000):
    if scans() >= 4:
        break
    time.sleep(0.01)
print("scans=%d" % min(scans(), 4))
