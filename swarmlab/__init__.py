"""swarmlab: a hands-on Jupyter lab on how Docker Swarm load-balances traffic through a virtual IP (VIP).

Importing `swarmlab` is cheap: pandas, matplotlib and paramiko are imported only where used.
"""

__version__ = "0.1.0"
