// Research pages: selecting words in a passage fills its highlight form; on the synthesis
// board, highlight cards can be dragged between insights (the "Move to" form does the same
// without a mouse).
(function () {
  // Highlighting: the selection inside a passage becomes the quote, with its offset.
  document.addEventListener("mouseup", function () {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed) return;
    var node = sel.anchorNode && (sel.anchorNode.nodeType === 1 ? sel.anchorNode : sel.anchorNode.parentNode);
    var text = node && node.closest && node.closest(".passage-text");
    if (!text || !text.contains(sel.focusNode)) return;
    var item = text.closest("[data-passage]");
    var details = item && item.querySelector(".highlight-form");
    if (!details) return;
    var quote = sel.toString().trim();
    if (!quote) return;
    var range = sel.getRangeAt(0).cloneRange();
    range.selectNodeContents(text);
    range.setEnd(sel.getRangeAt(0).startContainer, sel.getRangeAt(0).startOffset);
    var start = range.toString().length;
    var lead = sel.toString().length - sel.toString().replace(/^\s+/, "").length;
    details.open = true;
    details.querySelector("textarea[name=quote]").value = quote;
    details.querySelector("input[name=start]").value = String(start + lead);
    details.querySelector("input[name=tags]").focus();
  });

  // The board: drag and drop posts to the card's move URL.
  var board = document.querySelector(".board[data-csrf]");
  if (!board) return;
  var status = document.getElementById("board-status");
  var dragged = null;
  board.addEventListener("dragstart", function (e) {
    dragged = e.target.closest(".board-card");
    if (dragged) e.dataTransfer.setData("text/plain", dragged.dataset.highlight);
  });
  board.querySelectorAll(".board-column[data-insight]").forEach(function (column) {
    column.addEventListener("dragover", function (e) { e.preventDefault(); column.classList.add("drop"); });
    column.addEventListener("dragleave", function () { column.classList.remove("drop"); });
    column.addEventListener("drop", function (e) {
      e.preventDefault();
      column.classList.remove("drop");
      if (!dragged) return;
      var card = dragged;
      var body = new FormData();
      body.append("csrf_token", board.dataset.csrf);
      body.append("insight", column.dataset.insight);
      fetch(card.dataset.move, { method: "POST", body: body, credentials: "same-origin",
                                 headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw r; return r.json(); })
        .then(function () {
          column.querySelector(".board-cards").appendChild(card);
          var select = card.querySelector("select[name=insight]");
          if (select) select.value = column.dataset.insight;
          status.textContent = "Moved to " + column.querySelector("h2").firstChild.textContent.trim();
        })
        .catch(function () { status.textContent = "Could not move the highlight; reload and try again."; });
    });
  });
})();
