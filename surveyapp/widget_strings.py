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


# The words of the question types whose renderers load only when a survey uses them
# (embed/src/q-input.js, q-rich.js): sent only with a survey that has such a question.
QUESTION_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "number_range": "Enter a number from {min} to {max}.", "number_step": "Steps of {step}.",
        "date_invalid": "Enter a date.", "date_range": "Enter a date from {min} to {max}.",
        "email_invalid": "Enter an e-mail address like name@example.com.",
        "phone_invalid": "Enter a phone number (digits, spaces, + and -).",
        "contact_name": "Name", "contact_email": "E-mail", "contact_phone": "Phone",
        "contact_company": "Company",
        "rank_up": "Move {item} up", "rank_down": "Move {item} down",
        "rank_moved": "{item}: position {n} of {total}", "matrix_rows": "Answer every row.",
        "pick_min": "Choose at least {n}.", "pick_max": "Choose at most {n}.",
        "file_big": "The file is larger than {n} MB.", "file_sending": "Uploading {name}…",
        "file_done": "Uploaded: {name}", "file_wait": "Wait until the file is uploaded.",
        "file_type": "This kind of file is not accepted here.",
        "file_failed": "The file could not be uploaded. Please try again.",
    },
    "es": {
        "number_range": "Escriba un número de {min} a {max}.", "number_step": "En pasos de {step}.",
        "date_invalid": "Escriba una fecha.", "date_range": "Escriba una fecha del {min} al {max}.",
        "email_invalid": "Escriba una dirección de correo como nombre@example.com.",
        "phone_invalid": "Escriba un número de teléfono (cifras, espacios, + y -).",
        "contact_name": "Nombre", "contact_email": "Correo electrónico", "contact_phone": "Teléfono",
        "contact_company": "Empresa",
        "rank_up": "Subir {item}", "rank_down": "Bajar {item}",
        "rank_moved": "{item}: posición {n} de {total}", "matrix_rows": "Responda a cada fila.",
        "pick_min": "Elija al menos {n}.", "pick_max": "Elija como máximo {n}.",
        "file_big": "El archivo supera {n} MB.", "file_sending": "Subiendo {name}…",
        "file_done": "Subido: {name}", "file_wait": "Espere a que se suba el archivo.",
        "file_type": "Aquí no se acepta este tipo de archivo.",
        "file_failed": "No se pudo subir el archivo. Inténtelo de nuevo.",
    },
    "de": {
        "number_range": "Geben Sie eine Zahl von {min} bis {max} ein.",
        "number_step": "In Schritten von {step}.",
        "date_invalid": "Geben Sie ein Datum ein.",
        "date_range": "Geben Sie ein Datum vom {min} bis {max} ein.",
        "email_invalid": "Geben Sie eine E-Mail-Adresse wie name@example.com ein.",
        "phone_invalid": "Geben Sie eine Telefonnummer ein (Ziffern, Leerzeichen, + und -).",
        "contact_name": "Name", "contact_email": "E-Mail", "contact_phone": "Telefon",
        "contact_company": "Firma",
        "rank_up": "{item} nach oben", "rank_down": "{item} nach unten",
        "rank_moved": "{item}: Platz {n} von {total}",
        "matrix_rows": "Bitte beantworten Sie jede Zeile.",
        "pick_min": "Wählen Sie mindestens {n}.", "pick_max": "Wählen Sie höchstens {n}.",
        "file_big": "Die Datei ist größer als {n} MB.", "file_sending": "{name} wird hochgeladen…",
        "file_done": "Hochgeladen: {name}", "file_wait": "Warten Sie, bis die Datei hochgeladen ist.",
        "file_type": "Diese Art von Datei wird hier nicht angenommen.",
        "file_failed": "Die Datei konnte nicht hochgeladen werden. Bitte versuchen Sie es erneut.",
    },
    "ja": {
        "number_range": "{min}から{max}までの数字を入力してください。",
        "number_step": "{step}刻みで入力してください。",
        "date_invalid": "日付を入力してください。",
        "date_range": "{min}から{max}までの日付を入力してください。",
        "email_invalid": "name@example.com のようなメールアドレスを入力してください。",
        "phone_invalid": "電話番号を入力してください（数字、スペース、+ と -）。",
        "contact_name": "お名前", "contact_email": "メールアドレス", "contact_phone": "電話番号",
        "contact_company": "会社名",
        "rank_up": "{item}を上へ", "rank_down": "{item}を下へ",
        "rank_moved": "{item}: {total}件中{n}位", "matrix_rows": "すべての行に回答してください。",
        "pick_min": "{n}個以上選んでください。", "pick_max": "{n}個まで選べます。",
        "file_big": "ファイルが{n} MBを超えています。", "file_sending": "{name}をアップロード中…",
        "file_done": "アップロード完了: {name}",
        "file_wait": "ファイルのアップロードが終わるまでお待ちください。",
        "file_type": "この種類のファイルはここでは受け付けていません。",
        "file_failed": "ファイルをアップロードできませんでした。もう一度お試しください。",
    },
    "fr": {
        "number_range": "Saisissez un nombre de {min} à {max}.", "number_step": "Par pas de {step}.",
        "date_invalid": "Saisissez une date.", "date_range": "Saisissez une date du {min} au {max}.",
        "email_invalid": "Saisissez une adresse e-mail comme nom@example.com.",
        "phone_invalid": "Saisissez un numéro de téléphone (chiffres, espaces, + et -).",
        "contact_name": "Nom", "contact_email": "E-mail", "contact_phone": "Téléphone",
        "contact_company": "Entreprise",
        "rank_up": "Monter {item}", "rank_down": "Descendre {item}",
        "rank_moved": "{item} : position {n} sur {total}", "matrix_rows": "Répondez à chaque ligne.",
        "pick_min": "Choisissez-en au moins {n}.", "pick_max": "Choisissez-en au plus {n}.",
        "file_big": "Le fichier dépasse {n} Mo.", "file_sending": "Envoi de {name}…",
        "file_done": "Envoyé : {name}", "file_wait": "Attendez la fin de l'envoi du fichier.",
        "file_type": "Ce type de fichier n'est pas accepté ici.",
        "file_failed": "Le fichier n'a pas pu être envoyé. Veuillez réessayer.",
    },
    "ru": {
        "number_range": "Введите число от {min} до {max}.", "number_step": "С шагом {step}.",
        "date_invalid": "Введите дату.", "date_range": "Введите дату с {min} по {max}.",
        "email_invalid": "Введите адрес электронной почты, например name@example.com.",
        "phone_invalid": "Введите номер телефона (цифры, пробелы, + и -).",
        "contact_name": "Имя", "contact_email": "Эл. почта", "contact_phone": "Телефон",
        "contact_company": "Компания",
        "rank_up": "Поднять «{item}»", "rank_down": "Опустить «{item}»",
        "rank_moved": "{item}: место {n} из {total}", "matrix_rows": "Ответьте на каждую строку.",
        "pick_min": "Выберите не менее {n}.", "pick_max": "Выберите не более {n}.",
        "file_big": "Файл больше {n} МБ.", "file_sending": "Загрузка {name}…",
        "file_done": "Загружено: {name}", "file_wait": "Дождитесь окончания загрузки файла.",
        "file_type": "Файлы такого типа здесь не принимаются.",
        "file_failed": "Не удалось загрузить файл. Попробуйте ещё раз.",
    },
    "pt": {
        "number_range": "Introduza um número de {min} a {max}.", "number_step": "Em passos de {step}.",
        "date_invalid": "Introduza uma data.", "date_range": "Introduza uma data de {min} a {max}.",
        "email_invalid": "Introduza um endereço de e-mail como nome@example.com.",
        "phone_invalid": "Introduza um número de telefone (algarismos, espaços, + e -).",
        "contact_name": "Nome", "contact_email": "E-mail", "contact_phone": "Telefone",
        "contact_company": "Empresa",
        "rank_up": "Subir {item}", "rank_down": "Descer {item}",
        "rank_moved": "{item}: posição {n} de {total}", "matrix_rows": "Responda a todas as linhas.",
        "pick_min": "Escolha pelo menos {n}.", "pick_max": "Escolha no máximo {n}.",
        "file_big": "O ficheiro tem mais de {n} MB.", "file_sending": "A enviar {name}…",
        "file_done": "Enviado: {name}", "file_wait": "Aguarde até o ficheiro ser enviado.",
        "file_type": "Este tipo de ficheiro não é aceite aqui.",
        "file_failed": "Não foi possível enviar o ficheiro. Tente novamente.",
    },
    "pt-BR": {
        "number_range": "Digite um número de {min} a {max}.", "number_step": "Em passos de {step}.",
        "date_invalid": "Digite uma data.", "date_range": "Digite uma data de {min} a {max}.",
        "email_invalid": "Digite um endereço de e-mail como nome@example.com.",
        "phone_invalid": "Digite um número de telefone (dígitos, espaços, + e -).",
        "contact_name": "Nome", "contact_email": "E-mail", "contact_phone": "Telefone",
        "contact_company": "Empresa",
        "rank_up": "Subir {item}", "rank_down": "Descer {item}",
        "rank_moved": "{item}: posição {n} de {total}", "matrix_rows": "Responda a todas as linhas.",
        "pick_min": "Escolha pelo menos {n}.", "pick_max": "Escolha no máximo {n}.",
        "file_big": "O arquivo tem mais de {n} MB.", "file_sending": "Enviando {name}…",
        "file_done": "Enviado: {name}", "file_wait": "Aguarde o envio do arquivo.",
        "file_type": "Este tipo de arquivo não é aceito aqui.",
        "file_failed": "Não foi possível enviar o arquivo. Tente novamente.",
    },
    "it": {
        "number_range": "Inserisci un numero da {min} a {max}.", "number_step": "A passi di {step}.",
        "date_invalid": "Inserisci una data.", "date_range": "Inserisci una data dal {min} al {max}.",
        "email_invalid": "Inserisci un indirizzo e-mail come nome@example.com.",
        "phone_invalid": "Inserisci un numero di telefono (cifre, spazi, + e -).",
        "contact_name": "Nome", "contact_email": "E-mail", "contact_phone": "Telefono",
        "contact_company": "Azienda",
        "rank_up": "Sposta {item} su", "rank_down": "Sposta {item} giù",
        "rank_moved": "{item}: posizione {n} di {total}", "matrix_rows": "Rispondi a ogni riga.",
        "pick_min": "Scegline almeno {n}.", "pick_max": "Scegline al massimo {n}.",
        "file_big": "Il file supera {n} MB.", "file_sending": "Caricamento di {name}…",
        "file_done": "Caricato: {name}", "file_wait": "Attendi il caricamento del file.",
        "file_type": "Questo tipo di file non è accettato qui.",
        "file_failed": "Non è stato possibile caricare il file. Riprova.",
    },
    "nl": {
        "number_range": "Vul een getal van {min} tot {max} in.", "number_step": "In stappen van {step}.",
        "date_invalid": "Vul een datum in.", "date_range": "Vul een datum van {min} tot {max} in.",
        "email_invalid": "Vul een e-mailadres in zoals naam@example.com.",
        "phone_invalid": "Vul een telefoonnummer in (cijfers, spaties, + en -).",
        "contact_name": "Naam", "contact_email": "E-mail", "contact_phone": "Telefoon",
        "contact_company": "Bedrijf",
        "rank_up": "{item} omhoog", "rank_down": "{item} omlaag",
        "rank_moved": "{item}: plaats {n} van {total}", "matrix_rows": "Beantwoord elke rij.",
        "pick_min": "Kies er minstens {n}.", "pick_max": "Kies er hoogstens {n}.",
        "file_big": "Het bestand is groter dan {n} MB.", "file_sending": "{name} wordt geüpload…",
        "file_done": "Geüpload: {name}", "file_wait": "Wacht tot het bestand is geüpload.",
        "file_type": "Dit soort bestand wordt hier niet geaccepteerd.",
        "file_failed": "Het bestand kon niet worden geüpload. Probeer het opnieuw.",
    },
    "pl": {
        "number_range": "Wpisz liczbę od {min} do {max}.", "number_step": "Co {step}.",
        "date_invalid": "Wpisz datę.", "date_range": "Wpisz datę od {min} do {max}.",
        "email_invalid": "Wpisz adres e-mail, np. imie@example.com.",
        "phone_invalid": "Wpisz numer telefonu (cyfry, spacje, + i -).",
        "contact_name": "Imię i nazwisko", "contact_email": "E-mail", "contact_phone": "Telefon",
        "contact_company": "Firma",
        "rank_up": "Przesuń {item} w górę", "rank_down": "Przesuń {item} w dół",
        "rank_moved": "{item}: miejsce {n} z {total}", "matrix_rows": "Odpowiedz w każdym wierszu.",
        "pick_min": "Wybierz co najmniej {n}.", "pick_max": "Wybierz najwyżej {n}.",
        "file_big": "Plik jest większy niż {n} MB.", "file_sending": "Wysyłanie {name}…",
        "file_done": "Wysłano: {name}", "file_wait": "Poczekaj, aż plik zostanie wysłany.",
        "file_type": "Ten rodzaj pliku nie jest tu przyjmowany.",
        "file_failed": "Nie udało się wysłać pliku. Spróbuj ponownie.",
    },
    "tr": {
        "number_range": "{min} ile {max} arasında bir sayı girin.",
        "number_step": "{step} adımlarla.",
        "date_invalid": "Bir tarih girin.", "date_range": "{min} ile {max} arasında bir tarih girin.",
        "email_invalid": "ad@example.com gibi bir e-posta adresi girin.",
        "phone_invalid": "Bir telefon numarası girin (rakamlar, boşluklar, + ve -).",
        "contact_name": "Ad", "contact_email": "E-posta", "contact_phone": "Telefon",
        "contact_company": "Şirket",
        "rank_up": "{item} yukarı", "rank_down": "{item} aşağı",
        "rank_moved": "{item}: {total} içinde {n}. sıra", "matrix_rows": "Her satırı yanıtlayın.",
        "pick_min": "En az {n} tane seçin.", "pick_max": "En fazla {n} tane seçin.",
        "file_big": "Dosya {n} MB'tan büyük.", "file_sending": "{name} yükleniyor…",
        "file_done": "Yüklendi: {name}", "file_wait": "Dosya yüklenene kadar bekleyin.",
        "file_type": "Bu tür dosya burada kabul edilmiyor.",
        "file_failed": "Dosya yüklenemedi. Lütfen tekrar deneyin.",
    },
    "zh": {
        "number_range": "请输入 {min} 到 {max} 之间的数字。", "number_step": "以 {step} 为步长。",
        "date_invalid": "请输入日期。", "date_range": "请输入 {min} 到 {max} 之间的日期。",
        "email_invalid": "请输入电子邮件地址，例如 name@example.com。",
        "phone_invalid": "请输入电话号码（数字、空格、+ 和 -）。",
        "contact_name": "姓名", "contact_email": "电子邮件", "contact_phone": "电话",
        "contact_company": "公司",
        "rank_up": "上移{item}", "rank_down": "下移{item}",
        "rank_moved": "{item}：第 {n} 位，共 {total} 位", "matrix_rows": "请回答每一行。",
        "pick_min": "请至少选择 {n} 项。", "pick_max": "最多选择 {n} 项。",
        "file_big": "文件超过 {n} MB。", "file_sending": "正在上传 {name}…",
        "file_done": "已上传：{name}", "file_wait": "请等待文件上传完成。",
        "file_type": "此处不接受这种类型的文件。",
        "file_failed": "文件上传失败，请重试。",
    },
    "ar": {
        "number_range": "أدخل رقمًا من {min} إلى {max}.", "number_step": "بخطوات قدرها {step}.",
        "date_invalid": "أدخل تاريخًا.", "date_range": "أدخل تاريخًا من {min} إلى {max}.",
        "email_invalid": "أدخل عنوان بريد إلكتروني مثل name@example.com.",
        "phone_invalid": "أدخل رقم هاتف (أرقام ومسافات و+ و-).",
        "contact_name": "الاسم", "contact_email": "البريد الإلكتروني", "contact_phone": "الهاتف",
        "contact_company": "الشركة",
        "rank_up": "نقل {item} إلى الأعلى", "rank_down": "نقل {item} إلى الأسفل",
        "rank_moved": "{item}: المركز {n} من {total}", "matrix_rows": "أجب عن كل صف.",
        "pick_min": "اختر {n} على الأقل.", "pick_max": "اختر {n} على الأكثر.",
        "file_big": "حجم الملف أكبر من {n} ميغابايت.", "file_sending": "جارٍ رفع {name}…",
        "file_done": "تم الرفع: {name}", "file_wait": "انتظر حتى يكتمل رفع الملف.",
        "file_type": "هذا النوع من الملفات غير مقبول هنا.",
        "file_failed": "تعذّر رفع الملف. يرجى المحاولة مرة أخرى.",
    },
    "he": {
        "number_range": "נא להזין מספר מ-{min} עד {max}.", "number_step": "בקפיצות של {step}.",
        "date_invalid": "נא להזין תאריך.", "date_range": "נא להזין תאריך מ-{min} עד {max}.",
        "email_invalid": "נא להזין כתובת דוא\"ל כמו name@example.com.",
        "phone_invalid": "נא להזין מספר טלפון (ספרות, רווחים, + או -).",
        "contact_name": "שם", "contact_email": "דוא\"ל", "contact_phone": "טלפון",
        "contact_company": "חברה",
        "rank_up": "הזזת {item} למעלה", "rank_down": "הזזת {item} למטה",
        "rank_moved": "{item}: מקום {n} מתוך {total}", "matrix_rows": "נא לענות על כל שורה.",
        "pick_min": "נא לבחור לפחות {n}.", "pick_max": "אפשר לבחור עד {n}.",
        "file_big": "הקובץ גדול מ-{n} MB.", "file_sending": "מעלה את {name}…",
        "file_done": "הועלה: {name}", "file_wait": "נא להמתין עד שהקובץ יועלה.",
        "file_type": "סוג קובץ זה אינו מתקבל כאן.",
        "file_failed": "לא ניתן היה להעלות את הקובץ. נא לנסות שוב.",
    },
}
for _loc, _words in QUESTION_WORDS.items():
    CATALOGUE[_loc].update(_words)

#: Which of those words each lazily rendered question type needs.
WORDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "number": ("number_range", "number_step"), "slider": ("number_range", "number_step"),
    "date": ("date_invalid", "date_range"),
    "contact": ("email_invalid", "phone_invalid", "contact_name", "contact_email",
                "contact_phone", "contact_company"),
    "ranking": ("rank_up", "rank_down", "rank_moved"), "matrix": ("matrix_rows",),
    "picture_choice": ("pick_min", "pick_max"),
    "file_upload": ("file_big", "file_sending", "file_done", "file_wait", "file_type",
                    "file_failed"),
}
QUESTION_KEYS = frozenset(QUESTION_WORDS["en"])

# What the renderer needs (the link page's own strings stay on the server).
# (The lazy types' words are sent only with the types that use them: ``for_survey``.)
WIDGET_KEYS = tuple(k for k in EN if not k.startswith("link_") and k not in QUESTION_KEYS)


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


def for_survey(locales: Iterable[str], overrides: dict[str, Any] | None = None,
               types: Iterable[str] = ()) -> dict[str, dict[str, str]]:
    """The widget's strings for each of a survey's locales (what ``widget_survey`` sends),
    with the words of the question ``types`` it uses that the lazy renderers need."""
    keys = set(WIDGET_KEYS).union(*(WORDS_BY_TYPE.get(t, ()) for t in types))
    return {loc: {k: v for k, v in strings(loc, overrides).items() if k in keys}
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
