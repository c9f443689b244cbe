"""The training application around convlab's layers: data modules, the Lightning module and
the run recipe that train.py and parity.py share."""
