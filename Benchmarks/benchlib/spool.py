"""The producer's side of Herald's spool: message files written to tmp/ and renamed into incoming/.
Not the daemon's config or its delivery log."""

import os


MESSAGE = ('{"id":"%s-%d","channel":"%s","to":{"email":"a%d@example.com"},"campaign":"bench",'
           '"stage":"conversion","content":{"title":"Hi","body":"Your cart is waiting"}}\n')


def write_messages(tmp_dir, prefix, start, count, channel, people=None):
    """Writes message files tmp/PREFIX-i (not yet visible to Herald), each to its own recipient, or with `people`
    to that many recipients in turn."""
    for i in range(start, start + count):
        fd = os.open(f"{tmp_dir}/{prefix}-{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        os.write(fd, (MESSAGE % (prefix, i, channel, i % people if people else i)).encode())
        os.close(fd)


def rename_messages(spool, prefix, start, count):
    """rename(2)s tmp/PREFIX-i to incoming/PREFIX-i.json, the producer's side of the spool contract."""
    tmp, incoming = f"{spool}/tmp", f"{spool}/incoming"
    for i in range(start, start + count):
        os.rename(f"{tmp}/{prefix}-{i}", f"{incoming}/{prefix}-{i}.json")
