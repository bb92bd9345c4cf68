# Sourced by the deploy tests. free_port prints a TCP port on 127.0.0.1 that is
# free now, below the kernel's ephemeral range: outgoing connections (of the
# tests running in parallel) draw their local ports from that range, so one
# of them could take a port picked there before the program under test binds it.
free_port() { python3 -c 'import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
while True:
    p = random.randrange(10000, low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()'; }
