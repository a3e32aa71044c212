/* 电子屏: the lobby display.
 *
 * Reads the published data written by json_script (#jf-lobby-data), builds one slide per
 * branch's leaderboard, a slide of charts, slides of the vanguard posts (党员先锋岗), of
 * approved commitments and of exemplary cases (典型案例), and shows
 * them in turn every `rotate` seconds. Every `refresh` seconds it fetches the same data
 * from the screen's own address (data-url) and uses it from the next turn; a 404 means
 * the screen was revoked, and the display goes blank but for a notice. Everything is
 * written with textContent: names and texts are never parsed as HTML.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-lobby]");
  var source = document.getElementById("jf-lobby-data");
  if (!root || !source) {
    return;
  }
  var stage = root.querySelector("[data-lobby-stage]");
  var dots = root.querySelector("[data-lobby-dots]");
  var updated = root.querySelector("[data-lobby-updated]");
  var lang = document.documentElement.lang || "zh-Hans";
  var data = JSON.parse(source.textContent);
  var pending = null;
  var slides = [];
  var current = -1;
  var charts = [];
  var rotation = null;
  var PER_SLIDE = 6; // commitments on one slide: three columns, two rows
  var CASES_PER_SLIDE = 2; // exemplary cases on one slide, side by side
  var GOLD = "#ffd66b";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function slide(title, caption) {
    var node = el("section", "lobby-slide");
    node.appendChild(el("h2", "lobby-title", title));
    if (caption) {
      node.appendChild(el("div", "lobby-caption", caption));
    }
    return node;
  }

  function boardSlide(board, labels) {
    var node = slide(
      board.title,
      labels.as_of + " " + board.as_of + " · " + board.members + " " + labels.members
    );
    var list = el("ol", "lobby-board");
    list.setAttribute("data-testid", "lobby-board");
    if (board.leaders.length > 10) {
      list.classList.add("two-columns");
      list.style.setProperty("--rows", String(Math.ceil(board.leaders.length / 2)));
    }
    board.leaders.forEach(function (leader) {
      var row = el("li", "lobby-row rank-" + leader.rank);
      row.appendChild(el("span", "lobby-rank", leader.rank));
      row.appendChild(el("span", "lobby-name", leader.name));
      row.appendChild(el("span", "lobby-total", leader.total));
      list.appendChild(row);
    });
    node.appendChild(list);
    return node;
  }

  function chartSlide(title, boxes) {
    var node = slide(title, "");
    var grid = el("div", "lobby-charts");
    grid.style.setProperty("--charts", String(boxes.length));
    boxes.forEach(function (box) {
      var wrap = el("div", "lobby-chart-box");
      wrap.appendChild(el("div", "lobby-chart-title", box.title));
      var chart = el("div", "lobby-chart");
      chart.jfData = box.data;
      wrap.appendChild(chart);
      grid.appendChild(wrap);
    });
    node.appendChild(grid);
    return node;
  }

  function promiseSlides(promises, labels) {
    var out = [];
    for (var start = 0; start < promises.length; start += PER_SLIDE) {
      var node = slide(labels.commitments, "");
      var grid = el("div", "lobby-promises");
      promises.slice(start, start + PER_SLIDE).forEach(function (promise) {
        var card = el("div", "lobby-promise");
        card.appendChild(el("div", "lobby-promise-name", promise.name));
        card.appendChild(el("div", "lobby-promise-branch", promise.branch));
        card.appendChild(el("div", "lobby-promise-text", promise.text));
        grid.appendChild(card);
      });
      node.appendChild(grid);
      out.push(node);
    }
    return out;
  }

  function vanguardSlides(posts, labels) {
    var out = [];
    for (var start = 0; start < posts.length; start += PER_SLIDE) {
      var node = slide(labels.vanguard, posts[start].year);
      var grid = el("div", "lobby-promises lobby-vanguard");
      grid.setAttribute("data-testid", "lobby-vanguard");
      posts.slice(start, start + PER_SLIDE).forEach(function (post) {
        var card = el("div", "lobby-promise");
        card.appendChild(el("div", "lobby-promise-name", post.name));
        card.appendChild(el("div", "lobby-promise-branch", post.branch));
        card.appendChild(el("div", "lobby-promise-text", post.title || post.position));
        grid.appendChild(card);
      });
      node.appendChild(grid);
      out.push(node);
    }
    return out;
  }

  function caseSlides(cases, labels) {
    var out = [];
    for (var start = 0; start < cases.length; start += CASES_PER_SLIDE) {
      var node = slide(labels.cases, "");
      var grid = el("div", "lobby-cases");
      grid.setAttribute("data-testid", "lobby-cases");
      cases.slice(start, start + CASES_PER_SLIDE).forEach(function (item) {
        var card = el("article", "lobby-case");
        if (item.photo) {
          var img = el("img", "lobby-case-photo");
          img.src = item.photo;
          img.alt = item.title;
          card.appendChild(img);
        }
        card.appendChild(el("div", "lobby-case-title", item.title));
        card.appendChild(el("div", "lobby-case-who", item.name + " · " + item.branch));
        card.appendChild(el("div", "lobby-case-text", item.text));
        grid.appendChild(card);
      });
      node.appendChild(grid);
      out.push(node);
    }
    return out;
  }

  function build() {
    var labels = data.labels;
    var built = data.boards.map(function (board) { return boardSlide(board, labels); });
    var boxes = [];
    if (data.categories.labels.length) {
      boxes.push({ title: labels.by_category, data: data.categories });
    }
    if (data.branches.labels.length > 1) {
      boxes.push({ title: labels.by_branch, data: data.branches });
    }
    if (boxes.length) {
      built.push(chartSlide(labels.charts, boxes));
    }
    built = built.concat(vanguardSlides(data.vanguard || [], labels));
    built = built.concat(promiseSlides(data.commitments, labels));
    built = built.concat(caseSlides(data.cases || [], labels));
    if (!built.length) {
      var empty = el("section", "lobby-slide");
      empty.appendChild(el("p", "lobby-empty", labels.nothing));
      built.push(empty);
    }
    stage.replaceChildren.apply(stage, built);
    slides = built;
    dots.replaceChildren.apply(
      dots,
      slides.map(function () { return el("span", "lobby-dot"); })
    );
    updated.textContent = labels.updated + " " + data.updated;
  }

  function draw(node) {
    if (typeof echarts === "undefined") {
      return;
    }
    var source = node.jfData;
    var big = Math.round(window.innerHeight * 0.026);
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: "inherit" },
      grid: { left: 16, right: big * 4, top: 8, bottom: 8, containLabel: true },
      xAxis: {
        type: "value",
        axisLabel: { color: "rgba(255,255,255,.75)", fontSize: Math.round(big * 0.8) },
        splitLine: { lineStyle: { color: "rgba(255,255,255,.15)" } }
      },
      yAxis: {
        type: "category",
        inverse: true,
        data: source.labels,
        axisLabel: { color: "#fff", fontSize: big, interval: 0 },
        axisLine: { lineStyle: { color: "rgba(255,255,255,.5)" } },
        axisTick: { show: false }
      },
      series: [{
        type: "bar",
        data: source.values.map(Number),
        barMaxWidth: big * 1.6,
        itemStyle: { color: GOLD, borderRadius: [0, 6, 6, 0] },
        label: {
          show: true,
          position: "right",
          color: GOLD,
          fontSize: big,
          fontWeight: "bold",
          formatter: function (p) { return source.values[p.dataIndex]; }
        }
      }]
    });
    charts.push(chart);
  }

  function show(index) {
    charts.forEach(function (chart) { chart.dispose(); });
    charts = [];
    slides.forEach(function (node, i) { node.classList.toggle("is-shown", i === index); });
    Array.prototype.forEach.call(dots.children, function (dot, i) {
      dot.classList.toggle("is-current", i === index);
    });
    slides[index].querySelectorAll(".lobby-chart").forEach(draw);
    current = index;
  }

  function next() {
    if (pending) {
      data = pending;
      pending = null;
      build();
      current = -1;
    }
    show((current + 1) % slides.length);
  }

  function revoked() {
    window.clearInterval(rotation);
    var notice = document.querySelector("template[data-lobby-revoked]");
    stage.replaceChildren(notice ? notice.content.cloneNode(true) : el("p", "lobby-empty"));
    dots.replaceChildren();
  }

  function refresh() {
    fetch(root.dataset.url, { cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 404) {
          revoked();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (fresh) {
        if (fresh) {
          pending = fresh;
          // The audit chain's head, as of this refresh (see audit.services.ChainHead).
          var head = root.querySelector("[data-testid=chain-head-short]");
          if (head && fresh.audit_head) {
            head.textContent = fresh.audit_head;
          }
        }
      })
      .catch(function () { /* the network is down: keep showing what we have */ });
  }

  // The server's zone (Asia/Shanghai), not the display device's: a screen bought abroad
  // or left on UTC still shows the time of the lobby it hangs in.
  var zone = data.time_zone || "Asia/Shanghai";

  function clock() {
    var now = new Date();
    root.querySelector("[data-lobby-time]").textContent = now.toLocaleTimeString(lang, {
      hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone
    });
    root.querySelector("[data-lobby-date]").textContent = now.toLocaleDateString(lang, {
      year: "numeric", month: "long", day: "numeric", weekday: "long", timeZone: zone
    });
  }

  function firstSlide() {
    // #slide-3 starts the rotation at the third slide (for checking a display's layout).
    var match = /^#slide-(\d+)$/.exec(window.location.hash);
    var wanted = match ? Number(match[1]) - 1 : 0;
    return wanted >= 0 && wanted < slides.length ? wanted : 0;
  }

  build();
  show(firstSlide());
  clock();
  window.setInterval(clock, 1000);
  rotation = window.setInterval(next, Math.max(5, data.rotate) * 1000);
  window.setInterval(refresh, Math.max(60, data.refresh) * 1000);
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
