"""`swarmlab class`: a JupyterHub class server on this host (issue #24).

`classfile` reads and checks the class file, `providers` gives each student a swarm (only `replay` yet),
`accounts` makes each student's system account and home with the course, `hubconfig` is the hub's configuration
(imported by the hub process itself), `server` starts, stops and reports the hub. `kubefile` reads the class
file's [kube] table and `kube` renders the class for Kubernetes (Zero to JupyterHub values, a Kata profile, its
NetworkPolicy; validated offline).
"""
