"""One named logger per subsystem, so a hall's IT can turn up one part's detail."""

import logging

store = logging.getLogger("counter.store")
sync = logging.getLogger("counter.sync")
printing = logging.getLogger("counter.printing")
queue = logging.getLogger("counter.queue")
intake = logging.getLogger("counter.intake")
ui = logging.getLogger("counter.ui")
audit = logging.getLogger("counter.audit")
