"""The causes of decline named by the paper, one module each, each switchable.

============================  ==============================  ==========================
scenario section              module                          paper
============================  ==============================  ==========================
``industry``                  :mod:`.industry`                abstract (1), §2.2.1
``resources``                 :mod:`.resources`               abstract (2), §1
``transport``                 :mod:`.transport`               abstract (3), §2.2.2
``infrastructure``            :mod:`.infrastructure`          abstract (4), §2.3
``demography``                :mod:`.demography`              abstract (5), §2.2.4
``environment``               :mod:`.environment`             §2.2.3
``policy``                    :mod:`.policy`                  §2.2.5
============================  ==============================  ==========================
"""
