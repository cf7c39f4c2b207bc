"""Every string the widget and the link page show, in the web's most used languages.

The widget gets the strings of a survey's languages with the survey
(``collect.service.widget_survey``); a survey overrides any of them per locale with its
``strings`` key (``{"de": {"submit": "Abschicken"}}``). ``{n}``, ``{total}`` and ``{site}``
are filled in by the renderer. Right-to-left languages (``RTL``) are laid out right to
left; their strings are written in the language, so punctuation sits where a reader
expects it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DEFAULT = "en"
RTL = ("ar", "he", "fa", "ur")

EN = {
    "next": "Next", "submit": "Submit", "close": "Close survey",
    "required": "Please answer this question.", "other": "Other", "count": "{n} of {total}",
    "survey": "Survey", "hint": "Press Alt+Shift+S to answer.", "why": "Why this survey?",
    "why_title": "Why am I seeing this?",
    "why_body": "{site} asks a few questions to learn how to improve. It records that this survey "
                "was shown and the answers you give, with the page address and your browser "
                "language, on its own servers. You can stop it here.",
    "stop": "Don't show me surveys or track me", "back": "Back", "thanks": "Thank you!",
    "privacy": "Your privacy",
    "link_unavailable": "This survey cannot be loaded right now. Please try again later.",
    "link_noscript": "This survey needs JavaScript to run.",
    "link_footer": "Answers are stored by the organisation that sent you this link, on their own servers.",
    "link_missing": "This survey link does not exist.", "link_draft": "This survey is not open yet.",
    "link_closed": "This survey is closed. Thank you for your interest.",
    "link_title_unavailable": "Survey unavailable",
}

CATALOGUE: dict[str, dict[str, str]] = {
    "en": EN,
    "es": {
        "next": "Siguiente", "submit": "Enviar", "close": "Cerrar la encuesta",
        "required": "Responda a esta pregunta.", "other": "Otro", "count": "{n} de {total}",
        "survey": "Encuesta", "hint": "Pulse Alt+Mayús+S para responder.",
        "why": "¿Por qué esta encuesta?", "why_title": "¿Por qué veo esto?",
        "why_body": "{site} hace unas pocas preguntas para saber cómo mejorar. Registra que se "
                    "mostró esta encuesta y las respuestas que da, con la dirección de la página "
                    "y el idioma de su navegador, en sus propios servidores. Puede detenerlo aquí.",
        "stop": "No quiero encuestas ni seguimiento", "back": "Volver", "thanks": "¡Gracias!",
        "privacy": "Su privacidad",
        "link_unavailable": "No se puede cargar esta encuesta ahora. Inténtelo de nuevo más tarde.",
        "link_noscript": "Esta encuesta necesita JavaScript.",
        "link_footer": "Las respuestas las guarda la organización que le envió este enlace, en sus propios servidores.",
        "link_missing": "Este enlace de encuesta no existe.", "link_draft": "Esta encuesta aún no está abierta.",
        "link_closed": "Esta encuesta está cerrada. Gracias por su interés.",
        "link_title_unavailable": "Encuesta no disponible",
    },
    "de": {
        "next": "Weiter", "submit": "Senden", "close": "Umfrage schließen",
        "required": "Bitte beantworten Sie diese Frage.", "other": "Andere", "count": "{n} von {total}",
        "survey": "Umfrage", "hint": "Mit Alt+Umschalt+S antworten.",
        "why": "Warum diese Umfrage?", "why_title": "Warum sehe ich das?",
        "why_body": "{site} stellt ein paar Fragen, um besser zu werden. Gespeichert werden, auf "
                    "eigenen Servern, dass diese Umfrage angezeigt wurde und Ihre Antworten, mit "
                    "der Seitenadresse und Ihrer Browsersprache. Sie können das hier beenden.",
        "stop": "Keine Umfragen und kein Tracking für mich", "back": "Zurück", "thanks": "Danke!",
        "privacy": "Ihre Privatsphäre",
        "link_unavailable": "Diese Umfrage kann gerade nicht geladen werden. Bitte versuchen Sie es später noch einmal.",
        "link_noscript": "Diese Umfrage braucht JavaScript.",
        "link_footer": "Die Antworten speichert die Organisation, die Ihnen diesen Link geschickt hat, auf ihren eigenen Servern.",
        "link_missing": "Diesen Umfragelink gibt es nicht.", "link_draft": "Diese Umfrage ist noch nicht geöffnet.",
        "link_closed": "Diese Umfrage ist beendet. Danke für Ihr Interesse.",
        "link_title_unavailable": "Umfrage nicht verfügbar",
    },
    "ja": {
        "next": "次へ", "submit": "送信", "close": "アンケートを閉じる",
        "required": "この質問に回答してください。", "other": "その他", "count": "{n} / {total}",
        "survey": "アンケート", "hint": "Alt+Shift+S で回答できます。",
        "why": "このアンケートについて", "why_title": "なぜこれが表示されるのですか？",
        "why_body": "{site} は改善のためにいくつか質問しています。このアンケートが表示されたことと"
                    "回答内容を、ページのアドレスとブラウザの言語とともに自社のサーバーに記録します。"
                    "ここで停止できます。",
        "stop": "アンケートもトラッキングも不要", "back": "戻る", "thanks": "ありがとうございました！",
        "privacy": "プライバシー",
        "link_unavailable": "現在このアンケートを読み込めません。しばらくしてからもう一度お試しください。",
        "link_noscript": "このアンケートには JavaScript が必要です。",
        "link_footer": "回答は、このリンクを送った組織が自社のサーバーに保存します。",
        "link_missing": "このアンケートのリンクは存在しません。", "link_draft": "このアンケートはまだ公開されていません。",
        "link_closed": "このアンケートは終了しました。ご関心をお寄せいただきありがとうございます。",
        "link_title_unavailable": "アンケートを利用できません",
    },
    "fr": {
        "next": "Suivant", "submit": "Envoyer", "close": "Fermer le sondage",
        "required": "Merci de répondre à cette question.", "other": "Autre", "count": "{n} sur {total}",
        "survey": "Sondage", "hint": "Alt+Maj+S pour répondre.",
        "why": "Pourquoi ce sondage ?", "why_title": "Pourquoi est-ce que je vois ceci ?",
        "why_body": "{site} pose quelques questions pour s’améliorer. Il enregistre sur ses propres "
                    "serveurs que ce sondage a été affiché et vos réponses, avec l’adresse de la "
                    "page et la langue de votre navigateur. Vous pouvez l’arrêter ici.",
        "stop": "Ne plus me montrer de sondages ni me suivre", "back": "Retour", "thanks": "Merci !",
        "privacy": "Votre vie privée",
        "link_unavailable": "Ce sondage ne peut pas être chargé pour le moment. Réessayez plus tard.",
        "link_noscript": "Ce sondage a besoin de JavaScript.",
        "link_footer": "Les réponses sont conservées par l’organisation qui vous a envoyé ce lien, sur ses propres serveurs.",
        "link_missing": "Ce lien de sondage n’existe pas.", "link_draft": "Ce sondage n’est pas encore ouvert.",
        "link_closed": "Ce sondage est clos. Merci de votre intérêt.",
        "link_title_unavailable": "Sondage indisponible",
    },
    "ru": {
        "next": "Далее", "submit": "Отправить", "close": "Закрыть опрос",
        "required": "Пожалуйста, ответьте на этот вопрос.", "other": "Другое", "count": "{n} из {total}",
        "survey": "Опрос", "hint": "Нажмите Alt+Shift+S, чтобы ответить.",
        "why": "Почему этот опрос?", "why_title": "Почему я это вижу?",
        "why_body": "{site} задаёт несколько вопросов, чтобы стать лучше. На своих серверах он "
                    "записывает, что опрос был показан, и ваши ответы вместе с адресом страницы и "
                    "языком браузера. Здесь это можно отключить.",
        "stop": "Не показывать мне опросы и не отслеживать меня", "back": "Назад", "thanks": "Спасибо!",
        "privacy": "Ваша конфиденциальность",
        "link_unavailable": "Сейчас не удаётся загрузить опрос. Попробуйте позже.",
        "link_noscript": "Для этого опроса нужен JavaScript.",
        "link_footer": "Ответы хранит организация, приславшая вам эту ссылку, на своих серверах.",
        "link_missing": "Такой ссылки на опрос нет.", "link_draft": "Этот опрос ещё не открыт.",
        "link_closed": "Опрос закрыт. Спасибо за интерес.",
        "link_title_unavailable": "Опрос недоступен",
    },
    "pt": {
        "next": "Seguinte", "submit": "Enviar", "close": "Fechar inquérito",
        "required": "Responda a esta pergunta.", "other": "Outro", "count": "{n} de {total}",
        "survey": "Inquérito", "hint": "Prima Alt+Shift+S para responder.",
        "why": "Porquê este inquérito?", "why_title": "Porque estou a ver isto?",
        "why_body": "{site} faz algumas perguntas para saber como melhorar. Regista nos seus próprios "
                    "servidores que este inquérito foi mostrado e as suas respostas, com o endereço "
                    "da página e o idioma do navegador. Pode pará-lo aqui.",
        "stop": "Não me mostrem inquéritos nem me sigam", "back": "Voltar", "thanks": "Obrigado!",
        "privacy": "A sua privacidade",
        "link_unavailable": "Não é possível carregar este inquérito agora. Tente mais tarde.",
        "link_noscript": "Este inquérito precisa de JavaScript.",
        "link_footer": "As respostas são guardadas pela organização que lhe enviou esta ligação, nos seus próprios servidores.",
        "link_missing": "Esta ligação de inquérito não existe.", "link_draft": "Este inquérito ainda não está aberto.",
        "link_closed": "Este inquérito está fechado. Obrigado pelo interesse.",
        "link_title_unavailable": "Inquérito indisponível",
    },
    "pt-BR": {
        "next": "Próximo", "submit": "Enviar", "close": "Fechar pesquisa",
        "required": "Responda a esta pergunta.", "other": "Outro", "count": "{n} de {total}",
        "survey": "Pesquisa", "hint": "Pressione Alt+Shift+S para responder.",
        "why": "Por que esta pesquisa?", "why_title": "Por que estou vendo isto?",
        "why_body": "{site} faz algumas perguntas para saber como melhorar. Registra em seus próprios "
                    "servidores que esta pesquisa foi exibida e as suas respostas, com o endereço "
                    "da página e o idioma do navegador. Você pode interromper aqui.",
        "stop": "Não quero pesquisas nem rastreamento", "back": "Voltar", "thanks": "Obrigado!",
        "privacy": "Sua privacidade",
        "link_unavailable": "Não foi possível carregar esta pesquisa agora. Tente mais tarde.",
        "link_noscript": "Esta pesquisa precisa de JavaScript.",
        "link_footer": "As respostas são guardadas pela organização que enviou este link, em seus próprios servidores.",
        "link_missing": "Este link de pesquisa não existe.", "link_draft": "Esta pesquisa ainda não está aberta.",
        "link_closed": "Esta pesquisa foi encerrada. Obrigado pelo interesse.",
        "link_title_unavailable": "Pesquisa indisponível",
    },
    "it": {
        "next": "Avanti", "submit": "Invia", "close": "Chiudi il sondaggio",
        "required": "Rispondi a questa domanda.", "other": "Altro", "count": "{n} di {total}",
        "survey": "Sondaggio", "hint": "Premi Alt+Maiusc+S per rispondere.",
        "why": "Perché questo sondaggio?", "why_title": "Perché vedo questo?",
        "why_body": "{site} fa qualche domanda per capire come migliorare. Registra sui propri server "
                    "che questo sondaggio è stato mostrato e le tue risposte, con l’indirizzo della "
                    "pagina e la lingua del browser. Puoi fermarlo qui.",
        "stop": "Non mostrarmi sondaggi e non tracciarmi", "back": "Indietro", "thanks": "Grazie!",
        "privacy": "La tua privacy",
        "link_unavailable": "Al momento non è possibile caricare questo sondaggio. Riprova più tardi.",
        "link_noscript": "Questo sondaggio richiede JavaScript.",
        "link_footer": "Le risposte sono conservate dall’organizzazione che ti ha inviato questo link, sui propri server.",
        "link_missing": "Questo link al sondaggio non esiste.", "link_draft": "Questo sondaggio non è ancora aperto.",
        "link_closed": "Questo sondaggio è chiuso. Grazie per l’interesse.",
        "link_title_unavailable": "Sondaggio non disponibile",
    },
    "nl": {
        "next": "Volgende", "submit": "Versturen", "close": "Enquête sluiten",
        "required": "Beantwoord deze vraag.", "other": "Anders", "count": "{n} van {total}",
        "survey": "Enquête", "hint": "Druk op Alt+Shift+S om te antwoorden.",
        "why": "Waarom deze enquête?", "why_title": "Waarom zie ik dit?",
        "why_body": "{site} stelt een paar vragen om te leren wat beter kan. Het legt op eigen servers "
                    "vast dat deze enquête is getoond en uw antwoorden, met het paginaadres en de taal "
                    "van uw browser. U kunt het hier stoppen.",
        "stop": "Geen enquêtes en geen tracking voor mij", "back": "Terug", "thanks": "Bedankt!",
        "privacy": "Uw privacy",
        "link_unavailable": "Deze enquête kan nu niet worden geladen. Probeer het later opnieuw.",
        "link_noscript": "Deze enquête heeft JavaScript nodig.",
        "link_footer": "De antwoorden worden bewaard door de organisatie die u deze link stuurde, op haar eigen servers.",
        "link_missing": "Deze enquêtelink bestaat niet.", "link_draft": "Deze enquête is nog niet geopend.",
        "link_closed": "Deze enquête is gesloten. Bedankt voor uw interesse.",
        "link_title_unavailable": "Enquête niet beschikbaar",
    },
    "pl": {
        "next": "Dalej", "submit": "Wyślij", "close": "Zamknij ankietę",
        "required": "Odpowiedz na to pytanie.", "other": "Inne", "count": "{n} z {total}",
        "survey": "Ankieta", "hint": "Naciśnij Alt+Shift+S, aby odpowiedzieć.",
        "why": "Dlaczego ta ankieta?", "why_title": "Dlaczego to widzę?",
        "why_body": "{site} zadaje kilka pytań, żeby wiedzieć, co poprawić. Zapisuje na własnych "
                    "serwerach, że ankieta została pokazana, oraz Twoje odpowiedzi, z adresem strony "
                    "i językiem przeglądarki. Możesz to tutaj wyłączyć.",
        "stop": "Nie pokazuj mi ankiet i mnie nie śledź", "back": "Wstecz", "thanks": "Dziękujemy!",
        "privacy": "Twoja prywatność",
        "link_unavailable": "Nie można teraz wczytać tej ankiety. Spróbuj ponownie później.",
        "link_noscript": "Ta ankieta wymaga JavaScriptu.",
        "link_footer": "Odpowiedzi przechowuje organizacja, która wysłała Ci ten link, na własnych serwerach.",
        "link_missing": "Taki link do ankiety nie istnieje.", "link_draft": "Ta ankieta nie jest jeszcze otwarta.",
        "link_closed": "Ta ankieta jest zamknięta. Dziękujemy za zainteresowanie.",
        "link_title_unavailable": "Ankieta niedostępna",
    },
    "tr": {
        "next": "İleri", "submit": "Gönder", "close": "Anketi kapat",
        "required": "Lütfen bu soruyu yanıtlayın.", "other": "Diğer", "count": "{n} / {total}",
        "survey": "Anket", "hint": "Yanıtlamak için Alt+Shift+S tuşlarına basın.",
        "why": "Neden bu anket?", "why_title": "Bunu neden görüyorum?",
        "why_body": "{site}, nasıl gelişebileceğini öğrenmek için birkaç soru soruyor. Bu anketin "
                    "gösterildiğini ve yanıtlarınızı, sayfa adresi ve tarayıcı dilinizle birlikte kendi "
                    "sunucularına kaydeder. Buradan durdurabilirsiniz.",
        "stop": "Bana anket gösterme ve beni izleme", "back": "Geri", "thanks": "Teşekkürler!",
        "privacy": "Gizliliğiniz",
        "link_unavailable": "Bu anket şu anda yüklenemiyor. Lütfen daha sonra tekrar deneyin.",
        "link_noscript": "Bu anket için JavaScript gerekir.",
        "link_footer": "Yanıtlar, size bu bağlantıyı gönderen kuruluş tarafından kendi sunucularında saklanır.",
        "link_missing": "Böyle bir anket bağlantısı yok.", "link_draft": "Bu anket henüz açılmadı.",
        "link_closed": "Bu anket kapandı. İlginiz için teşekkürler.",
        "link_title_unavailable": "Anket kullanılamıyor",
    },
    "zh": {
        "next": "下一步", "submit": "提交", "close": "关闭问卷",
        "required": "请回答这个问题。", "other": "其他", "count": "第 {n} 题，共 {total} 题",
        "survey": "问卷", "hint": "按 Alt+Shift+S 开始作答。",
        "why": "为什么有这份问卷？", "why_title": "我为什么会看到这个？",
        "why_body": "{site} 想通过几个问题了解如何改进。它会在自己的服务器上记录这份问卷已显示以及你的回答，"
                    "连同页面地址和浏览器语言。你可以在这里停止。",
        "stop": "不要再向我显示问卷，也不要跟踪我", "back": "返回", "thanks": "谢谢！",
        "privacy": "你的隐私",
        "link_unavailable": "目前无法加载这份问卷，请稍后再试。",
        "link_noscript": "这份问卷需要 JavaScript。",
        "link_footer": "回答由向你发送此链接的组织保存在其自己的服务器上。",
        "link_missing": "此问卷链接不存在。", "link_draft": "这份问卷尚未开放。",
        "link_closed": "这份问卷已结束。感谢你的关注。",
        "link_title_unavailable": "问卷不可用",
    },
    "ar": {
        "next": "التالي", "submit": "إرسال", "close": "إغلاق الاستطلاع",
        "required": "يرجى الإجابة عن هذا السؤال.", "other": "غير ذلك", "count": "{n} من {total}",
        "survey": "استطلاع", "hint": "اضغط Alt+Shift+S للإجابة.",
        "why": "لماذا هذا الاستطلاع؟", "why_title": "لماذا أرى هذا؟",
        "why_body": "يطرح {site} بعض الأسئلة ليعرف كيف يتحسن. ويسجّل على خوادمه أن هذا الاستطلاع عُرض "
                    "عليك وإجاباتك، مع عنوان الصفحة ولغة متصفحك. يمكنك إيقاف ذلك من هنا.",
        "stop": "لا تعرض عليّ استطلاعات ولا تتتبعني", "back": "رجوع", "thanks": "شكرًا لك!",
        "privacy": "خصوصيتك",
        "link_unavailable": "تعذّر تحميل هذا الاستطلاع الآن. يرجى المحاولة لاحقًا.",
        "link_noscript": "يحتاج هذا الاستطلاع إلى JavaScript.",
        "link_footer": "تحفظ الإجابات الجهةُ التي أرسلت إليك هذا الرابط، على خوادمها.",
        "link_missing": "رابط الاستطلاع هذا غير موجود.", "link_draft": "لم يُفتح هذا الاستطلاع بعد.",
        "link_closed": "انتهى هذا الاستطلاع. شكرًا لاهتمامك.",
        "link_title_unavailable": "الاستطلاع غير متاح",
    },
    "he": {
        "next": "הבא", "submit": "שליחה", "close": "סגירת הסקר",
        "required": "נא לענות על השאלה.", "other": "אחר", "count": "{n} מתוך {total}",
        "survey": "סקר", "hint": "לחצו Alt+Shift+S כדי לענות.",
        "why": "למה הסקר הזה?", "why_title": "למה אני רואה את זה?",
        "why_body": "{site} שואל כמה שאלות כדי ללמוד איך להשתפר. הוא שומר בשרתים שלו שהסקר הוצג "
                    "ואת התשובות שלך, עם כתובת הדף ושפת הדפדפן. אפשר להפסיק את זה כאן.",
        "stop": "לא להציג לי סקרים ולא לעקוב אחריי", "back": "חזרה", "thanks": "תודה!",
        "privacy": "הפרטיות שלך",
        "link_unavailable": "לא ניתן לטעון את הסקר כרגע. נא לנסות שוב מאוחר יותר.",
        "link_noscript": "הסקר הזה דורש JavaScript.",
        "link_footer": "התשובות נשמרות בידי הארגון ששלח לך את הקישור, בשרתים שלו.",
        "link_missing": "קישור הסקר הזה לא קיים.", "link_draft": "הסקר הזה עדיין לא נפתח.",
        "link_closed": "הסקר הזה נסגר. תודה על ההתעניינות.",
        "link_title_unavailable": "הסקר אינו זמין",
    },
}

# What the renderer needs (the link page's own strings stay on the server).
WIDGET_KEYS = tuple(k for k in EN if not k.startswith("link_"))


def language(locale: str) -> str:
    return locale.replace("_", "-").split("-")[0].lower()


def strings(locale: str, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """All strings for ``locale``: the exact locale, then its language, then English, with a
    survey's overrides for that locale (or its language) on top."""
    out = {**EN, **CATALOGUE.get(language(locale), {}), **CATALOGUE.get(locale, {})}
    for key in (language(locale), locale):
        out.update({k: v for k, v in ((overrides or {}).get(key) or {}).items()
                    if k in EN and isinstance(v, str)})
    return out


def for_survey(locales: Iterable[str], overrides: dict[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """The widget's strings for each of a survey's locales (what ``widget_survey`` sends)."""
    return {loc: {k: v for k, v in strings(loc, overrides).items() if k in WIDGET_KEYS}
            for loc in dict.fromkeys(locales)}


def is_rtl(locale: str) -> bool:
    return language(locale) in RTL


def best(offered: Iterable[str], accept: Iterable[tuple[str, float]], default: str) -> str:
    """The first of ``offered`` the visitor's Accept-Language asks for (exact, then language)."""
    offered = list(offered)
    for want, quality in accept:
        if quality <= 0:
            continue
        for loc in offered:
            if loc.lower() == want.lower():
                return loc
        for loc in offered:
            if language(loc) == language(want):
                return loc
    return default
