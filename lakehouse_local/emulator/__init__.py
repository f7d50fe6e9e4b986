"""The deployed pipeline in an emulated AWS account: a pinned moto server on loopback (``server``),
``terraform apply`` of the real root module to it (``deploy``), the Glue workflow run as Glue runs it
(``glue_runner``), the crawlers' catalog tables (``crawler``), and the one command (``__main__``).
"""
