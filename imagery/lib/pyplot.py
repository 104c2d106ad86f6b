"""matplotlib's pyplot on the Agg backend (files, no screen), imported when a figure is first drawn.

Every plotting module asks here instead of importing matplotlib at the top: matplotlib weighs ~30 MB in each web and
worker process that imports a plotting module (through the apps' services and views) and never draws a figure."""


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
