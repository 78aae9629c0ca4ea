"""Web pages for the tests (written for them): a news page with navigation, adverts and
comments around the article, and a WeChat public-account page."""

BODY = ["锦绣社区位于新兴街道，今年以来新建共享书屋3处，累计服务居民2600余人次。",
        "社区投入资金45万元改造邻里中心，新增活动空间800平方米，组建志愿服务队12支。",
        "下一步，社区计划再建2个长者驿站，预计带动300户家庭参与社区事务。"]

NEWS = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>锦绣社区：共享书屋开到家门口_成都社区新闻网</title>
<meta property="og:title" content="锦绣社区：共享书屋开到家门口">
<meta property="og:site_name" content="成都社区新闻网">
<meta property="article:published_time" content="2026-10-12T09:30:00+08:00">
</head><body>
<nav><ul><li><a href="/">首页</a></li><li><a href="/news">要闻</a></li><li><a href="/city">城市</a></li>
<li><a href="/sub">订阅我们每月送500元优惠券</a></li></ul></nav>
<div class="ad">广告：家装节满1000元减200元，点击领取</div>
<article><h1>锦绣社区：共享书屋开到家门口</h1>
<p class="meta">来源：成都社区新闻网 2026-10-12</p>
{''.join(f'<p>{p}</p>' for p in BODY)}
</article>
<section class="comments"><h3>网友评论</h3><div class="comment"><p>网友甲：我们小区也想要书屋，已经等了3年！</p></div></section>
<footer>版权所有 © 2026 成都社区新闻网 联系电话 028-12345678</footer>
</body></html>"""

WECHAT = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta property="og:title" content="共享书屋开到家门口">
<meta property="og:site_name" content="微信公众平台">
<meta property="og:url" content="https://mp.weixin.qq.com/s/abc">
<title>共享书屋开到家门口</title></head>
<body id="activity-detail" class="zh_CN">
<div id="js_article" class="rich_media"><div class="rich_media_inner">
<h1 class="rich_media_title" id="activity-name">共享书屋开到家门口</h1>
<div id="meta_content"><span id="profileBt"><a id="js_name">锦绣社区</a></span><em id="publish_time">2026-10-12</em></div>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">
{''.join(f'<section><span>{p}</span></section>' for p in BODY)}
</div>
<div id="js_pc_qr_code">微信扫一扫关注该公众号</div>
</div></div></body></html>"""
