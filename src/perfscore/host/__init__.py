"""What this machine says about the app it serves, asked of the running servers: I/O, read-only.

The process listening on the target's port is *the* web server; its own binary's ``nginx -T`` names the
server block, web roots, FastCGI sockets and logs; the PHP-FPM master listening on that socket is the
app's, its ``-tt`` names the pool's logs; the database and cache are the servers listening on their ports.
Nothing here changes the host, and no command line, configuration text or secret is kept: only paths,
pids, names and the reasons something could not be found.
"""
